"""Benchmarks, run as scripts (``python bench/gaps.py``). A package only so
that import-linter can check that they import the product, never ``tests``."""
