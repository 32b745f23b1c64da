"""GeoJSON in and out. Geometry checks live in ``geo.geometry`` so the
importers apply exactly the same rules."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from shapely.geometry.base import BaseGeometry

from geo.errors import InvalidInput
from geo.geometry import from_geojson

GeometryType = Literal[
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"
]


class GeometryIn(BaseModel):
    """A GeoJSON geometry in EPSG:4326 ([longitude, latitude])."""

    model_config = ConfigDict(extra="allow")
    type: GeometryType
    coordinates: Any = None
    _shape: BaseGeometry | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _valid(self) -> "GeometryIn":
        try:
            self._shape = from_geojson(self.model_dump(), field="geometry")
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return self

    @property
    def shape(self) -> BaseGeometry:
        assert self._shape is not None
        return self._shape


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
