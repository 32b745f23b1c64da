"""Analysis results served like stored data: as OGC collections and as
GeoPackage layers (docs/politics.md#who-was-heard). Each is computed from
the committed data now, with its default parameters, when asked — never
stale. (The engagement-gap result has its own module, ``geo.io.export_gaps``.)
Like that one, a layer holds its reasons in English (``reasons``) beside
their codes (``explanation``, JSON), from which any language is written.

A :class:`Derived` says once what a collection is — its id, GeoPackage
layer, title, geometry type, the Arrow schema of its properties and how to
compute its features — and both faces read it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
import shapely
from sqlalchemy.orm import Session

from geo import vocab
from geo.errors import NotFound
from geo.politics.constituencies import constituencies
from geo.politics.params import ConstituencyParams
from geo.repository import Page

BBox = tuple[float, float, float, float]
_LISTS = pa.list_(pa.string())


@dataclass(frozen=True)
class Derived:
    """One analysis result as a collection: ``features(session)`` gives every
    feature (ranked), ``extent_of`` names the resource whose extent it shares."""

    id: str
    layer: str
    title: str
    description: str
    geometry_type: str
    schema: pa.Schema
    features: Callable[[Session], list[dict]]
    extent_of: str

    def page(self, session: Session, *, bbox: BBox | None = None, limit: int = 100, offset: int = 0) -> Page:
        """Features meeting ``bbox`` (their geometry intersects it), one page of them."""
        found = _inside(self.features(session), bbox)
        return Page(found[offset : offset + limit], len(found))

    def get(self, session: Session, fid: int) -> dict:
        """One feature by id; NotFound naming ``featureId`` otherwise."""
        found = [f for f in self.features(session) if f["id"] == fid]
        if not found:
            raise NotFound(f"no feature {fid} in {self.id}", field="featureId")
        return found[0]

    def batches(self, session: Session, bbox: BBox | None = None) -> Iterator[pa.RecordBatch]:
        """The features as one record batch of :attr:`schema` (geometry as WKB)."""
        features = _inside(self.features(session), bbox)
        columns: dict[str, list[Any]] = {f.name: [] for f in self.schema}
        days = {f.name for f in self.schema if f.type == pa.date32()}  # ISO days in the JSON features
        for feature in features:
            props = feature["properties"]
            for name, values in columns.items():
                if name == "explanation":  # the codes, as the engagement gaps' layer holds them
                    values.append(json.dumps([{"code": e["code"], "params": e["params"]} for e in props[name]]))
                elif name != "geom":
                    v = props.get(name)
                    values.append(date.fromisoformat(v) if name in days and v else v)
        geoms = [shapely.geometry.shape(f["geometry"]) for f in features]
        if self.geometry_type == "MultiPolygon":
            geoms = [shapely.MultiPolygon([g]) if isinstance(g, shapely.Polygon) else g for g in geoms]
        columns["geom"] = [shapely.to_wkb(g) for g in geoms]
        arrays = [pa.array(columns[f.name], type=f.type) for f in self.schema]
        yield pa.RecordBatch.from_arrays(arrays, schema=self.schema)


def _inside(features: list[dict], bbox: BBox | None) -> list[dict]:
    if bbox is None:
        return features
    box = shapely.box(*bbox)
    return [f for f in features if shapely.geometry.shape(f["geometry"]).intersects(box)]


def _hearing_schema(area: bool) -> pa.Schema:
    level: list[pa.Field] = [pa.field("level", pa.int32())] if area else []
    last: list[pa.Field] = [pa.field(f"last_{c}", pa.date32()) for c in vocab.CONSTITUENCIES]
    return pa.schema(
        [
            pa.field("name", pa.string()),
            *level,
            pa.field("engagements", pa.int64()),
            pa.field("engagements_with_interlocutors", pa.int64()),
            pa.field("interlocutors", pa.int64()),
            *last,
            pa.field("reached", _LISTS),
            pa.field("not_reached", _LISTS),
            pa.field("top1_share", pa.float64()),
            pa.field("top_share", pa.float64()),
            pa.field("top3_share", pa.float64()),
            pa.field("hhi", pa.float64()),
            pa.field("top_roles", _LISTS),
            pa.field("flags", _LISTS),
            pa.field("reasons", _LISTS),
            pa.field("explanation", pa.string()),  # JSON: [{"code", "params"}] (docs/politics.md#reasons)
            pa.field("as_of", pa.date32()),
            pa.field("geom", pa.binary()),
        ]
    )


def _hearings(by: str) -> Callable[[Session], list[dict]]:
    def compute(session: Session) -> list[dict]:
        params = ConstituencyParams()
        features = constituencies(session, params, by=by)["features"]
        for f in features:
            f["properties"]["as_of"] = params.as_of.isoformat()
        return features

    return compute


HEARD = "who was heard in the last 180 days: constituencies reached and when last, the share of engagements "
DERIVED: dict[str, Derived] = {
    d.id: d
    for d in (
        Derived(
            "constituencies-by-area",
            "constituencies_by_area",
            "Who was heard, by admin area",
            HEARD + "with the same few interlocutors (HHI), and flags, per admin area (docs/politics.md).",
            "MultiPolygon",
            _hearing_schema(area=True),
            _hearings("area"),
            "admin-areas",
        ),
        Derived(
            "constituencies-by-community",
            "constituencies_by_community",
            "Who was heard, by community",
            HEARD + "with the same few interlocutors (HHI), and flags, per community engaged (docs/politics.md).",
            "Point",
            _hearing_schema(area=False),
            _hearings("community"),
            "communities",
        ),
    )
}
"""OGC collection id → the analysis result it serves, in listing order."""
