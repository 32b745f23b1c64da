"""``?f=json|geojson|csv`` on every list endpoint: the same page,
encoded for other tools. ``csv_geometry=wkt`` (default) writes a ``wkt``
column, ``lonlat`` writes ``lon``/``lat`` (centroids for lines and areas);
both read back with ``peacemap import``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query
from fastapi.responses import Response, StreamingResponse

from api.responses import CSV, GEOJSON
from geo.io.export import features_to_csv, features_to_geojson
from geo.repository import property_columns
from geo.resources import ResourceSpec


@dataclass(frozen=True)
class ListFormat:
    f: str
    csv_geometry: str


async def list_format(
    f: Annotated[
        Literal["json", "geojson", "csv"], Query(description="json (default), geojson (download) or csv")
    ] = "json",
    csv_geometry: Annotated[Literal["wkt", "lonlat"], Query(description="csv only: a wkt column or lon/lat")] = "wkt",
) -> ListFormat:
    return ListFormat(f, csv_geometry)


ListFormatDep = Annotated[ListFormat, Depends(list_format)]


def feature_collection(head: dict, features: str, media_type: str, headers: dict | None = None) -> Response:
    """A page as one text: the members of ``head``, then the features array
    PostgreSQL wrote (``geo.serving.pages``), never parsed in Python."""
    members = json.dumps(head, separators=(",", ":"))
    return Response(f'{members[:-1]},"features":{features}}}', media_type=media_type, headers=headers)


def encode_list(fmt: ListFormat, body: dict, spec: ResourceSpec, include_sensitive: bool):
    """The JSON body unchanged for ``f=json``; otherwise a file download."""
    if fmt.f == "json":
        return body
    if fmt.f == "geojson":
        members = {k: v for k, v in body.items() if k not in ("type", "features")}
        return StreamingResponse(
            features_to_geojson(body["features"], **members),
            media_type=GEOJSON,
            headers={"Content-Disposition": f'attachment; filename="{spec.table}.geojson"'},
        )
    names = [c.name for c in property_columns(spec, include_sensitive)]
    return StreamingResponse(
        features_to_csv(body["features"], names, fmt.csv_geometry),
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{spec.table}.csv"'},
    )
