"""The paths that take a file upload, in one place: the import size cap
(``PEACEMAP_MAX_UPLOAD_MB``) applies to their bodies as they arrive
(:class:`api.middleware.RequestContext`). Building the app's middleware
reads them here, so it needs neither the upload routes nor the readers they
import: those routes are built after the first page (:mod:`api.late_routes`)."""

from __future__ import annotations

from geo.resources import REGISTRY

RASTERS = "/api/v1/rasters"  # the raster catalogue; a POST here uploads a raster (api.routers.rasters)


def import_path(resource: str) -> str:
    """Where a file of ``resource`` is uploaded to be imported (api.routers.imports)."""
    return f"/api/v1/{resource}/import"


UPLOAD_PATHS = frozenset({*(import_path(resource) for resource in REGISTRY), RASTERS})
