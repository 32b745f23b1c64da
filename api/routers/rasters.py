"""/api/v1/rasters — the raster catalogue (friction, population, land cover;
docs/reach.md): list and describe (viewer), download the stored
Cloud-Optimized GeoTIFF (viewer), upload (editor, the import size cap,
multipart field ``file``) and delete (editor).

An upload is checked exactly as ``peacemap import friction|population|
landcover FILE`` checks a file (:mod:`geo.rasters.checks`): a file without a
CRS or georeference, with a wrong CRS or absurd values is refused with a 422
naming the field and the reason, and nothing is kept.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeAlias

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParameter
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from api.deps import Editor, SessionDep, Viewer
from api.params import ID_LIMITS
from api.responses import BINARY, responses, upload_body
from api.routers.imports import save_upload
from api.upload_paths import RASTERS
from geo.models import Raster
from geo.rasters import catalogue
from geo.resources.schema import value_type

router = APIRouter(prefix=RASTERS, tags=["rasters"])  # its POST is an upload: the import size cap applies
COG = "image/tiff; application=geotiff; profile=cloud-optimized"
if TYPE_CHECKING:
    Kind: TypeAlias = str
    Units: TypeAlias = str
else:  # the catalogue's own vocabularies (geo.vocab via geo.columns), as enums in the API document
    Kind, _ = value_type(Raster.__table__.c.kind)
    Units, _ = value_type(Raster.__table__.c.units)
RasterId = Annotated[int, PathParameter(ge=1, le=ID_LIMITS["le"], description="the raster's id")]
UPLOAD_BODY = upload_body("GeoTIFF / COG (or a GeoPackage with layer=…)")


def _entry(request: Request, row) -> dict:
    entry = catalogue.describe(row)
    entry["links"] = [
        {"href": str(request.url_for("rasters-get", raster_id=row.id)), "rel": "self", "type": "application/json"},
        {"href": str(request.url_for("rasters-file", raster_id=row.id)), "rel": "enclosure", "type": COG},
    ]
    return entry


@router.get("", name="rasters-list", summary="The raster catalogue, newest first")
def list_rasters(
    request: Request,
    session: SessionDep,
    _: Viewer,
    kind: Annotated[Kind | None, Query(description="only rasters of this kind")] = None,
) -> dict:
    rows = catalogue.list_rasters(session, kind)
    return {"rasters": [_entry(request, r) for r in rows], "numberReturned": len(rows)}


@router.get(
    "/{raster_id}",
    name="rasters-get",
    summary="One raster's description and provenance",
    responses=responses(404, why={404: "no raster has this id"}),
)
def get_raster(request: Request, raster_id: RasterId, session: SessionDep, _: Viewer) -> dict:
    return _entry(request, catalogue.get_raster(session, raster_id))


@router.get(
    "/{raster_id}/file",
    name="rasters-file",
    summary="The stored Cloud-Optimized GeoTIFF",
    response_class=FileResponse,
    responses=responses(
        404,
        409,
        media={COG: BINARY},
        why={
            404: "no raster has this id",
            409: "the raster is in the catalogue but its file is missing from the raster folder",
        },
    ),
)
def raster_file(raster_id: RasterId, session: SessionDep, _: Viewer):
    row = catalogue.get_raster(session, raster_id)
    return FileResponse(catalogue.file_of(row), media_type=COG, filename=f"{row.kind}-{row.id}.tif")


@router.post(
    "",
    name="rasters-upload",
    status_code=201,
    summary="Upload a friction, population or land-cover raster",
    responses=responses(
        413,
        422,
        ok=201,
        why={
            413: "the upload is larger than the limit (PEACEMAP_MAX_UPLOAD_MB)",
            422: "a parameter is invalid or the file is refused (no CRS or georeference, wrong CRS, absurd "
            "values); nothing was kept",
        },
    ),
    openapi_extra=UPLOAD_BODY,
)
async def upload_raster(
    request: Request,
    session: SessionDep,
    principal: Editor,
    kind: Annotated[Kind, Query(description="what the raster holds")],
    units: Annotated[Units | None, Query(description="population: people_per_cell (default) or people_per_km2")] = None,
    name: Annotated[str | None, Query(max_length=200, description="a title (default: the file name)")] = None,
    provenance: Annotated[str | None, Query(max_length=2000, description="product, version, licence")] = None,
    layer: Annotated[str | None, Query(max_length=200, description="a raster table of a GeoPackage")] = None,
) -> dict:
    with tempfile.TemporaryDirectory(prefix="peacemap-raster-") as tmp:
        path = await save_upload(request, Path(tmp))
        entry = await run_in_threadpool(
            catalogue.store,
            session,
            path,
            kind,
            units=units,
            layer=layer,
            name=name,
            provenance=provenance,
            who=principal.name,
        )
    row = catalogue.get_raster(session, entry["id"])
    return _entry(request, row)


@router.delete(
    "/{raster_id}",
    name="rasters-delete",
    status_code=204,
    response_class=Response,
    summary="Delete",
    responses=responses(404, why={404: "no raster has this id"}),
)
def delete_raster(raster_id: RasterId, session: SessionDep, principal: Editor):
    catalogue.delete_raster(session, raster_id, who=principal.name)
    return Response(status_code=204)
