"""POST /api/v1/{resource}/import — upload a file (multipart, field ``file``)
and import it like ``peacemap import``: editor key, size cap
(``PEACEMAP_MAX_UPLOAD_MB`` → 413), the counts and rejects report as JSON.

One route per declared resource (``geo.resources.REGISTRY``), named
``<resource>-import``, spelled out so it never meets the resource routers'
``/{fid}`` paths. The body is parsed only after the key passes; the size
cap is enforced on the body as it arrives, for these paths
(:data:`api.upload_paths.UPLOAD_PATHS`), by :class:`api.middleware.RequestContext`.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from api.deps import Editor, SessionDep
from api.responses import responses, upload_body
from api.upload_paths import import_path
from geo.errors import InvalidInput
from geo.io.formats import FORMAT_NAMES, import_file, parse_pairs
from geo.io.sources import text_encoding
from geo.resources import REGISTRY

router = APIRouter(tags=["imports"])
COPY_BLOCK = 1 << 20
UPLOAD_BODY = upload_body("CSV, GeoJSON, GeoPackage, zipped Shapefile, GPX or KoboToolbox CSV")


async def save_upload(request: Request, folder: Path) -> Path:
    """The multipart field ``file`` saved in ``folder`` under a safe name (refused naming ``file`` when absent)."""
    try:
        form = await request.form(max_files=1, max_fields=20)
    except HTTPException as exc:
        if exc.status_code != 400:  # 413: the upload is over the limit
            raise
        raise InvalidInput(f"the upload is not valid multipart/form-data: {exc.detail}", field="file") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput("send the file as multipart/form-data in a field named 'file'", field="file")
    name = re.sub(r"[^\w.-]+", "_", Path(upload.filename or "upload").name).lstrip(".") or "upload"
    path = folder / name
    with open(path, "wb") as out:
        while block := await upload.read(COPY_BLOCK):
            out.write(block)
    await upload.close()
    return path


def _endpoint(resource: str):
    async def upload(
        request: Request,
        response: Response,
        session: SessionDep,
        principal: Editor,
        format: Annotated[
            str | None, Query(description=f"one of {', '.join(FORMAT_NAMES)}; detected when absent")
        ] = None,
        dry_run: Annotated[bool, Query(description="check and count, then roll back")] = False,
        map: Annotated[list[str] | None, Query(description="field=column, repeatable")] = None,
        set: Annotated[list[str] | None, Query(description="field=value for every row, repeatable")] = None,
        layer: Annotated[str | None, Query(description="layer of a multi-layer file")] = None,
        encoding: Annotated[
            str | None,
            Query(
                max_length=40,
                description="a CSV's text encoding; detected when absent (the report's `encoding` says which was used)",
            ),
        ] = None,
    ) -> dict:
        mapping, constants = parse_pairs(map or [], "map"), parse_pairs(set or [], "set")
        if encoding is not None:
            text_encoding(encoding)  # before the upload is read
        with tempfile.TemporaryDirectory(prefix="peacemap-upload-") as tmp:
            path = await save_upload(request, Path(tmp))
            report = await run_in_threadpool(
                import_file,
                session,
                resource,
                path,
                fmt=format,
                mapping=mapping,
                constants=constants,
                dry_run=dry_run,
                encoding=encoding,
                layer=layer,
                who=principal.name,
            )
        response.status_code = 201 if report.inserted and not dry_run else 200
        return report.to_dict()

    upload.__name__ = f"import_{resource.replace('-', '_')}"
    return upload


for _resource in REGISTRY:
    router.add_api_route(
        import_path(_resource),
        _endpoint(_resource),
        methods=["POST"],
        status_code=201,
        name=f"{_resource}-import",
        summary=f"Import {_resource} from an uploaded file",
        description="201 when rows were created, 200 for a dry run or when every row already existed. "
        "The report lists every rejected row (line or feature number, field, reason).",
        responses=responses(
            413,
            422,
            ok=201,
            also_ok={200: "nothing new created (dry run or updates only)"},
            why={
                413: "the upload is larger than the limit (PEACEMAP_MAX_UPLOAD_MB)",
                422: "a parameter is invalid or the file cannot be read (nothing was imported)",
            },
        ),
        openapi_extra=UPLOAD_BODY,
    )
