"""The request parameters many routes share, as FastAPI dependencies, each
parsed in one place (as tipg's ``bbox_query``, ``datetime_query`` and
``CollectionParams``): the bounding box, the date/time interval (``start`` /
``end``, and OGC's ``datetime``), paging (``limit`` / ``offset``, bounded by
the settings) and the OGC collection id.

A bad value raises ``InvalidInput`` naming the parameter: 422 on the JSON
API, 400 under ``/ogc`` (its route class turns it into a Bad Request).

The dependencies are ``async def``: they only parse, and FastAPI runs every
plain ``def`` dependency in its thread pool, a thread hop per parameter per
request (measured: about a third of a small page's time, bench/README.md).

No ``from __future__ import annotations``: the factories' parameters carry
descriptions made per route, which FastAPI must see as objects.
"""

import inspect
import math
from collections.abc import Awaitable, Callable
from dataclasses import Field, dataclass, fields
from datetime import date, datetime
from typing import Annotated, Any, TypeVar, get_type_hints

from fastapi import Depends, Query, Request
from pydantic import WithJsonSchema
from sqlalchemy import BigInteger

from api.deps import SettingsDep
from api.responses import GEOJSON, answers
from api.settings import get_api_settings
from geo.dates import SUPPORTED
from geo.errors import InvalidInput, NotFound
from geo.io.derived import DERIVED, Derived
from geo.resources import REGISTRY, ResourceSpec
from geo.resources.schema import integer_limits
from geo.serving.pages import Cursor, PageRequest, PageText

BBox = tuple[float, float, float, float]
ID_LIMITS = integer_limits(BigInteger())  # every table's id (geo.models.Tracked)
D = TypeVar("D", date, datetime)
BBOX_HELP = "minx,miny,maxx,maxy in EPSG:4326 (longitude, latitude)"
BBOX_EXAMPLE = "15.5,4.0,19.5,7.5"

# FastAPI fixes a parameter's schema when the route is declared, so the
# OpenAPI document shows the limits of this process's settings
# (PEACEMAP_DEFAULT_LIMIT, PEACEMAP_MAX_LIMIT, PEACEMAP_OGC_DEFAULT_LIMIT);
# each request is checked against the settings of the app that serves it.
_DOCUMENTED = get_api_settings()


# --- bounding box -------------------------------------------------------------


def parse_bbox(value: str | None, field: str = "bbox") -> BBox | None:
    """``minx,miny,maxx,maxy`` in EPSG:4326 → a checked tuple (None when absent)."""
    return None if value is None else _box(value, field)


def _box(value: str, field: str) -> BBox:
    try:
        values = tuple(float(p) for p in value.split(","))
    except ValueError:
        raise InvalidInput("bbox must be four numbers: minx,miny,maxx,maxy", field=field) from None
    if len(values) != 4:
        raise InvalidInput(f"bbox must have 4 numbers (minx,miny,maxx,maxy), got {len(values)}", field=field)
    minx, miny, maxx, maxy = values
    if not all(math.isfinite(v) for v in values):
        raise InvalidInput("bbox numbers must be finite", field=field)
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidInput("bbox is outside -180..180 / -90..90 (EPSG:4326 longitude, latitude)", field=field)
    if minx > maxx or miny > maxy:
        raise InvalidInput("bbox is reversed: minx must be ≤ maxx and miny ≤ maxy", field=field)
    return minx, miny, maxx, maxy


def bbox_query(description: str = BBOX_HELP, *, required: bool = False) -> Callable[..., Awaitable[BBox | None]]:
    """A ``bbox`` query parameter described for its route; ``required`` makes it mandatory."""
    if required:

        async def required_bbox(bbox: Annotated[str, Query(description=description, examples=[BBOX_EXAMPLE])]) -> BBox:
            return _box(bbox, "bbox")

        return required_bbox

    async def optional_bbox(
        bbox: Annotated[str | None, Query(description=description, examples=[BBOX_EXAMPLE])] = None,
    ) -> BBox | None:
        return parse_bbox(bbox)

    return optional_bbox


BBoxParam = Annotated[BBox | None, Depends(bbox_query())]


# --- date/time interval ---------------------------------------------------------


# What the API document says the date parameters hold (parsed by parse_instant
# and parse_datetime, which answer 422/400 naming the parameter otherwise).
_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_INSTANT = _DAY + r"(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?"
INSTANT_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
)
DATETIME_SCHEMA = WithJsonSchema(
    {"type": "string", "pattern": f"^(({_INSTANT})|({_INSTANT}|\\.\\.)?/({_INSTANT}|\\.\\.)?)$"}
)


def admin_area_query(description: str) -> Any:
    """An optional ``admin_area`` id query parameter described for its route."""
    return Query(ge=1, le=ID_LIMITS["le"], description=description)


@dataclass(frozen=True)
class Interval:
    """``start`` ≤ date ≤ ``end``, either end open (None); a day given as an
    end includes that whole day (``geo.repository``)."""

    start: date | datetime | None = None
    end: date | datetime | None = None


def parse_instant(value: str | None, field: str) -> date | datetime | None:
    """An ISO date (``2024-05-01``) or date-time (``2024-05-01T06:00:00Z``) of
    the supported range (``geo.dates.SUPPORTED``)."""
    if value is None or value == "":
        return None
    try:
        instant = (
            date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value.replace("Z", "+00:00"))
        )
    except ValueError:
        raise InvalidInput(f"{value!r} is not an ISO date (YYYY-MM-DD) or date-time", field=field) from None
    return SUPPORTED.check(instant, field)


def parse_datetime(value: str | None, field: str = "datetime") -> Interval:
    """OGC ``datetime``: an instant, or an interval ``start/end`` where either
    end may be ``..`` or empty (open)."""
    if value is None or value == "":
        return Interval()
    if "/" not in value:
        instant = parse_instant(value, field)
        return Interval(instant, instant)
    parts = value.split("/")
    if len(parts) != 2 or all(p in ("", "..") for p in parts):
        raise InvalidInput("datetime must be an instant or an interval start/end ('..' for an open end)", field=field)
    start, end = (None if p in ("", "..") else parse_instant(p, field) for p in parts)
    return Interval(start, end)


def interval_query(start_help: str, end_help: str) -> Callable[..., Awaitable[Interval]]:
    """``start`` and ``end`` query parameters, described for their route."""

    async def interval(
        start: Annotated[str | None, Query(description=start_help), INSTANT_SCHEMA] = None,
        end: Annotated[str | None, Query(description=end_help), INSTANT_SCHEMA] = None,
    ) -> Interval:
        return Interval(parse_instant(start, "start"), parse_instant(end, "end"))

    return interval


async def ogc_datetime(
    datetime_: Annotated[
        str | None, Query(alias="datetime", description="instant or interval a/b, '..' open"), DATETIME_SCHEMA
    ] = None,
) -> Interval:
    return parse_datetime(datetime_)


OgcDatetimeParam = Annotated[Interval, Depends(ogc_datetime)]


# --- paging ----------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int

    def links(self, request: Request, returned: int, matched: int) -> list[dict]:
        """``self`` and, where there is more, ``next`` / ``prev`` links of a page."""

        def at(offset: int) -> str:
            return str(request.url.include_query_params(offset=offset, limit=self.limit))

        links = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
        if self.offset + returned < matched:
            links.append({"href": at(self.offset + self.limit), "rel": "next", "type": GEOJSON})
        if self.offset > 0:
            links.append({"href": at(max(0, self.offset - self.limit)), "rel": "prev", "type": GEOJSON})
        return links


Offset = Annotated[int, Query(ge=0, le=ID_LIMITS["le"], description="features to skip")]  # the database's bigint


def _limit(request: Request, given: int, default: int) -> int:
    """The page size asked for, or the app's default when ``limit`` is absent
    (the signature's default is only what the API document shows)."""
    return given if "limit" in request.query_params else default


async def paging(
    request: Request,
    settings: SettingsDep,
    limit: Annotated[
        int, Query(ge=1, description="features per page", json_schema_extra={"maximum": _DOCUMENTED.max_limit})
    ] = _DOCUMENTED.default_limit,
    offset: Offset = 0,
) -> Paging:
    """The JSON API's paging: a limit above the maximum is refused."""
    limit = _limit(request, limit, settings.default_limit)
    if limit > settings.max_limit:
        raise InvalidInput(f"limit must be at most {settings.max_limit}", field="limit")
    return Paging(limit, offset)


async def ogc_paging(
    request: Request,
    settings: SettingsDep,
    limit: Annotated[
        int,
        Query(
            ge=1,
            description=f"features per page; above {_DOCUMENTED.max_limit} counts as {_DOCUMENTED.max_limit}",
            json_schema_extra={"maximum": _DOCUMENTED.max_limit},
        ),
    ] = _DOCUMENTED.ogc_default_limit,
    offset: Offset = 0,
) -> Paging:
    """OGC API Features paging: a larger limit is not an error, it is capped (the standard)."""
    return Paging(min(_limit(request, limit, settings.ogc_default_limit), settings.max_limit), offset)


PagingParam = Annotated[Paging, Depends(paging)]
OgcPagingParam = Annotated[Paging, Depends(ogc_paging)]


# --- feature pages: keyset cursors (geo.serving.pages) ---------------------------

CursorQuery = Annotated[
    str | None,
    Query(description="where the page starts: the token of a next/prev link (opaque); takes precedence over offset"),
]


@dataclass(frozen=True)
class FeaturePaging:
    """Paging of feature lists: ``limit`` with a ``cursor`` (the next/prev
    links carry one) or, for compatibility, an ``offset``."""

    limit: int
    offset: int
    cursor: Cursor | None

    def links(self, request: Request, page: PageText, asked: PageRequest) -> list[dict]:
        """``self`` and, where there is more, ``next`` / ``prev`` links carrying a cursor."""

        def at(cursor: Cursor) -> str:
            url = request.url.remove_query_params("offset")
            return str(url.include_query_params(cursor=cursor.token(), limit=self.limit))

        links = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
        for rel, cursor in (("next", page.next_cursor(asked)), ("prev", page.prev_cursor(asked))):
            if cursor is not None:
                links.append({"href": at(cursor), "rel": rel, "type": GEOJSON})
        return links


def _feature_paging(base: Paging, cursor: str | None) -> FeaturePaging:
    return FeaturePaging(base.limit, base.offset, None if cursor is None else Cursor.parse(cursor))


async def feature_paging(base: PagingParam, cursor: CursorQuery = None) -> FeaturePaging:
    return _feature_paging(base, cursor)


async def ogc_feature_paging(base: OgcPagingParam, cursor: CursorQuery = None) -> FeaturePaging:
    return _feature_paging(base, cursor)


FeaturePagingParam = Annotated[FeaturePaging, Depends(feature_paging)]
OgcFeaturePagingParam = Annotated[FeaturePaging, Depends(ogc_feature_paging)]


# --- OGC collection id ------------------------------------------------------------

GAPS_COLLECTION = "engagement-gaps"


@dataclass(frozen=True)
class Collection:
    """An OGC collection: a stored resource (``spec``), an analysis result
    (``derived``, ``geo.io.derived``) or the engagement-gap result (neither)."""

    id: str
    spec: ResourceSpec | None
    derived: Derived | None = None


def collection_ids() -> list[str]:
    return [*REGISTRY, GAPS_COLLECTION, *DERIVED]


def collection(collection_id: str) -> Collection:
    """The collection named in the path; 404 naming ``collectionId`` otherwise."""
    if collection_id == GAPS_COLLECTION:
        return Collection(collection_id, None)
    if collection_id in DERIVED:
        return Collection(collection_id, None, DERIVED[collection_id])
    if collection_id in REGISTRY:
        return Collection(collection_id, REGISTRY[collection_id])
    raise NotFound(f"unknown collection {collection_id!r}; one of {', '.join(collection_ids())}", field="collectionId")


@answers(404)
async def collection_param(collection_id: str) -> Collection:
    return collection(collection_id)


CollectionParam = Annotated[Collection, Depends(collection_param)]


# --- declared analysis parameters ----------------------------------------------------


def declared_query(cls: type, name: str) -> Any:
    """FastAPI's ``Query(...)`` for one field of a parameter dataclass declared
    with ``geo.analysis.params.declared`` (``GapParams``,
    ``geo.politics.params``): its description and bounds, from the declaration."""
    spec = next(f for f in fields(cls) if f.name == name)
    bounds = spec.metadata["bounds"]
    return Query(description=spec.metadata["description"], **(bounds.query() if bounds else {}))


def _declared_annotation(cls: type, spec: Field) -> Any:
    """A field's query type: its declared type, or None too where None is the default (``as_of``: today)."""
    hint = get_type_hints(cls)[spec.name]
    return Annotated[hint | None if spec.default is None else hint, declared_query(cls, spec.name)]


class _DeclaredDependency:
    """Builds ``cls`` from one query parameter per field, each declared by
    :func:`declared_query`. The parameters are generated from the fields, so
    the callable is an instance whose ``__signature__`` (what FastAPI reads to
    declare the parameters) is built from them, not a function written out."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.__signature__ = inspect.Signature(
            [
                inspect.Parameter(
                    f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=_declared_annotation(cls, f)
                )
                for f in fields(cls)
            ],
            return_annotation=cls,
        )

    def __call__(self, **values: Any) -> Any:
        return self.cls(**values)


def declared_dependency(cls: type) -> Callable[..., Any]:
    """The dependency of a parameter dataclass declared with
    ``geo.analysis.params.declared``: one query parameter per field (default,
    bounds and description from the declaration), the instance built and
    checked from them (a value out of bounds: 422 naming it)."""
    return _DeclaredDependency(cls)
