"""Pydantic models of what crosses the HTTP edge."""
