"""GeoJSON in and out. Geometry checks live in ``geo.geometry`` so the
importers apply exactly the same rules."""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, WithJsonSchema, model_validator
from shapely.geometry.base import BaseGeometry

from geo.errors import InvalidInput
from geo.geometry import from_geojson

GeometryType = Literal[
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"
]


# What a geometry's coordinates must be, in the API document: [longitude,
# latitude] positions in range, as many as each type needs. Rings must also
# close and the geometry be valid, which a schema cannot say (422 then).
_POSITION = {
    "type": "array",
    "prefixItems": [
        {"type": "number", "minimum": -180, "maximum": 180, "description": "longitude"},
        {"type": "number", "minimum": -90, "maximum": 90, "description": "latitude"},
    ],
    "minItems": 2,
    "maxItems": 2,
}
_LINE = {"type": "array", "items": _POSITION, "minItems": 2}
_POLYGON = {"type": "array", "items": {"type": "array", "items": _POSITION, "minItems": 4}, "minItems": 1}
_COORDINATES = {
    "Point": _POSITION,
    "MultiPoint": {"type": "array", "items": _POSITION, "minItems": 1},
    "LineString": _LINE,
    "MultiLineString": {"type": "array", "items": _LINE, "minItems": 1},
    "Polygon": _POLYGON,
    "MultiPolygon": {"type": "array", "items": _POLYGON, "minItems": 1},
}


def geometry_schema(types: list[str]) -> dict[str, Any]:
    """The JSON schema of a GeoJSON geometry of one of ``types``."""
    each = [
        {
            "type": "object",
            "title": t,
            "required": ["type", "coordinates"],
            "properties": {"type": {"type": "string", "enum": [t]}, "coordinates": _COORDINATES[t]},
        }
        for t in types
    ]
    described = {"description": f"a GeoJSON {' or '.join(types)} in EPSG:4326 ([longitude, latitude])"}
    return {**each[0], **described} if len(each) == 1 else {"oneOf": each, **described}


class GeometryIn(BaseModel):
    """A GeoJSON geometry in EPSG:4326 ([longitude, latitude])."""

    model_config = ConfigDict(extra="allow")
    type: GeometryType
    coordinates: Any = None
    _shape: BaseGeometry | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _valid(self) -> GeometryIn:
        try:
            self._shape = from_geojson(self.model_dump(), field="geometry")
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return self

    @property
    def shape(self) -> BaseGeometry:
        assert self._shape is not None
        return self._shape


def geometry_in(types: list[str]) -> Any:
    """:class:`GeometryIn` documented as accepting only ``types`` (a
    resource's: ``geo.geometry.accepted_types``); ``conform`` enforces them."""
    return Annotated[GeometryIn, WithJsonSchema(geometry_schema(types))]


P = TypeVar("P", bound=BaseModel)


class FeatureIn(BaseModel, Generic[P]):
    """A GeoJSON Feature to create; an ``id`` sent by the client is ignored."""

    type: Literal["Feature"]
    geometry: GeometryIn
    properties: P
    id: Any = None


class AttributeFeatureIn(BaseModel, Generic[P]):
    """A Feature of a resource without geometry: ``geometry`` is null (or left out)."""

    type: Literal["Feature"]
    geometry: None = None
    properties: P
    id: Any = None


class FeaturePatch(BaseModel):
    """A partial update: any properties to change, and/or a new geometry."""

    type: Literal["Feature"] = "Feature"
    geometry: GeometryIn | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    id: Any = None


class Link(BaseModel):
    href: str
    rel: str
    type: str = "application/geo+json"
    title: str | None = None


class FeatureOut(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: int
    geometry: dict | None  # null for a resource without geometry
    properties: dict


class FeatureCollectionOut(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    numberMatched: int
    numberReturned: int
    features: list[FeatureOut]
    links: list[Link]
