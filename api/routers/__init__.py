"""One router per resource or page."""
