"""Domain errors. ``api/errors.py`` maps each class to one HTTP status."""

from __future__ import annotations


class PeacemapError(Exception):
    """Base of every error the domain raises on purpose.

    ``message`` is for whoever sent the input; ``cause`` is what a library
    said (GDAL, PostgreSQL), which may show server paths or internals: it goes
    to the server log and the operator's command line, never to an API client.
    """

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, cause: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.cause = cause


class NotFound(PeacemapError):
    code = "not_found"


class InvalidInput(PeacemapError):
    """The caller sent something unusable; ``field`` names where."""

    code = "invalid"


class Conflict(PeacemapError):
    code = "conflict"


class DatabaseUnavailable(PeacemapError):
    code = "database_unavailable"


class TryLater(PeacemapError):
    """Not now, soon: the service is busy with something that ends by itself
    (the engagement-gap analysis warming up after a start). The caller
    should retry after ``retry_after_s`` seconds."""

    code = "try_later"

    def __init__(self, message: str, *, retry_after_s: int = 1, code: str | None = None, field: str | None = None):
        super().__init__(message, field=field)
        self.retry_after_s = retry_after_s
        if code:
            self.code = code


class MissingSystemPackage(PeacemapError):
    """A binary the embedded database needs is not installed."""

    code = "missing_system_package"
