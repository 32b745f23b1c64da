"""The query parameters OGC API Features adds to an items request beyond
Part 1's ``bbox``/``datetime``/``limit`` (``api.params``): Part 2's ``crs``
and ``bbox-crs``, Part 3's ``filter``, ``filter-lang`` and ``filter-crs``,
and ``sortby`` and ``properties``. Each is parsed once here into what
``geo.serving`` needs; a bad value raises ``InvalidInput`` naming the
parameter (400 under ``/ogc``).

No ``from __future__ import annotations``: the CRS parameters are made by a
factory, whose annotations FastAPI must see as objects."""

import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query

from geo.errors import InvalidInput
from geo.serving.cql import LANGS
from geo.serving.crs import BY_URI, CRS84, Box, Crs, lonlat_box, parse_crs
from geo.serving.pages import SortKey

CRS_HELP = "output CRS, one of the collection's crs list (default CRS84: longitude, latitude)"


def _crs_query(name: str, description: str):
    async def dependency(value: Annotated[str | None, Query(alias=name, description=description)] = None) -> Crs:
        return parse_crs(value, name)

    return dependency


CrsParam = Annotated[Crs, Depends(_crs_query("crs", CRS_HELP))]
FilterCrsParam = Annotated[
    Crs, Depends(_crs_query("filter-crs", "CRS of the filter's geometry literals (default CRS84)"))
]


@dataclass(frozen=True)
class OgcBox:
    """A bbox with the CRS its numbers are in."""

    values: Box
    crs: Crs


async def ogc_bbox(
    bbox: Annotated[
        str | None,
        Query(description="minx,miny,maxx,maxy in bbox-crs (default CRS84)", examples=["15.5,4.0,19.5,7.5"]),
    ] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs", description="CRS of bbox (default CRS84)")] = None,
) -> OgcBox | None:
    crs = parse_crs(bbox_crs, "bbox-crs")
    if bbox is None:
        return None
    try:
        values = tuple(float(p) for p in bbox.split(","))
    except ValueError:
        raise InvalidInput("bbox must be four numbers: minx,miny,maxx,maxy", field="bbox") from None
    if len(values) != 4:
        raise InvalidInput(f"bbox must have 4 numbers (minx,miny,maxx,maxy), got {len(values)}", field="bbox")
    if not all(math.isfinite(v) for v in values):
        raise InvalidInput("bbox numbers must be finite", field="bbox")
    box: Box = (values[0], values[1], values[2], values[3])
    if crs.geographic:
        minx, miny, maxx, maxy = lonlat_box(box, crs)
        if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
            raise InvalidInput("bbox is outside -180..180 / -90..90 (longitude, latitude)", field="bbox")
    if box[0] > box[2] or box[1] > box[3]:
        raise InvalidInput("bbox is reversed: minx must be ≤ maxx and miny ≤ maxy", field="bbox")
    return OgcBox(box, crs)


OgcBBoxParam = Annotated[OgcBox | None, Depends(ogc_bbox)]


@dataclass(frozen=True)
class Selection:
    """``filter`` (raw, with its language and CRS), ``sortby`` and ``properties`` as asked."""

    filter: str | None
    filter_lang: str | None
    filter_crs: Crs
    sortby: tuple[SortKey, ...]
    properties: tuple[str, ...] | None

    @property
    def used(self) -> list[str]:
        """The parameters given (for collections that take none of them)."""
        given: list[tuple[str, Any]] = [
            ("filter", self.filter),
            ("filter-lang", self.filter_lang),
            ("filter-crs", None if self.filter_crs is CRS84 else self.filter_crs),
            ("sortby", self.sortby or None),
            ("properties", self.properties),
        ]
        return [name for name, value in given if value is not None]


def parse_sortby(value: str | None) -> tuple[SortKey, ...]:
    """``sortby=-fatalities,+occurred_on`` (``+`` arrives as a space when not escaped)."""
    if not value:
        return ()
    keys = []
    for part in value.split(","):
        name = part.strip()
        descending = name.startswith("-")
        name = name.lstrip("+-").strip()
        if not name:
            raise InvalidInput("sortby is a comma-separated list of [+|-]property", field="sortby")
        keys.append(SortKey(name, descending))
    return tuple(keys)


async def selection(
    filter_: Annotated[str | None, Query(alias="filter", description="a CQL2 filter on the queryables")] = None,
    filter_lang: Annotated[
        str | None,
        Query(
            alias="filter-lang",
            description="cql2-text (default), cql2-json, or cql-text (the draft's name)",
            # A plain enum on the schema: GDAL's OAPIF driver looks for "cql-text" there.
            json_schema_extra={"enum": list(LANGS)},
        ),
    ] = None,
    filter_crs: FilterCrsParam = CRS84,
    sortby: Annotated[str | None, Query(description="[+|-]property,… (a queryable; - descending); then by id")] = None,
    properties: Annotated[
        str | None, Query(description="comma-separated properties to return (id and geometry always are)")
    ] = None,
) -> Selection:
    props = None if properties is None else tuple(p.strip() for p in properties.split(",") if p.strip())
    return Selection(filter_, filter_lang, filter_crs, parse_sortby(sortby), props)


SelectionParam = Annotated[Selection, Depends(selection)]
OFFERED_CRS = list(BY_URI)
