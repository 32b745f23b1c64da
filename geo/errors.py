"""Domain errors. ``api/errors.py`` maps each class to one HTTP status."""

from __future__ import annotations


class PeacemapError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(PeacemapError):
    code = "not_found"


class InvalidInput(PeacemapError):
    """The caller sent something unusable; ``field`` names where."""

    code = "invalid"


class Conflict(PeacemapError):
    code = "conflict"


class DatabaseUnavailable(PeacemapError):
    code = "database_unavailable"


class MissingSystemPackage(PeacemapError):
    """A binary the embedded database needs is not installed."""

    code = "missing_system_package"
