"""The admin areas with their figures as an export layer (``admin_area_figures``):
what the map's choropleth shows — violence pressure, under-engaged
communities and the reach figures of docs/reach.md#per-area (people within
6 h of a mission site, the share of the population engaged in the window) —
for the analysis' default window (90 days up to today) and the default
admin level, geometries simplified as on the map. Computed when asked, from
the committed data."""

from __future__ import annotations

import json

import pyarrow as pa
import shapely
from sqlalchemy.orm import Session

from geo.analysis.areas import admin_area_figures
from geo.analysis.params import default, today
from geo.window import DateWindow

AREAS_LAYER = "admin_area_figures"
_FIELDS = {
    "name": pa.string(),
    "level": pa.int32(),
    "pcode": pa.string(),
    "country": pa.string(),
    "incidents": pa.int64(),
    "pressure": pa.float64(),
    "pressure_share": pa.float64(),
    "communities": pa.int64(),
    "under_engaged": pa.int64(),
    "people": pa.int64(),
    "people_within_hours": pa.int64(),
    "share_within_hours": pa.float64(),
    "population_basis": pa.string(),
    "engaged_people": pa.int64(),
    "engaged_share": pa.float64(),
    "communities_engaged": pa.int64(),
    "hours": pa.float64(),
    "days": pa.int32(),
    "season": pa.string(),
}
AREAS_SCHEMA = pa.schema(
    [
        pa.field("area_id", pa.int64()),
        *(pa.field(k, t) for k, t in _FIELDS.items()),
        pa.field("window_start", pa.date32()),
        pa.field("window_end", pa.date32()),
        pa.field("geom", pa.binary()),
    ]
)


def areas_batch(session: Session, bbox: tuple[float, float, float, float] | None = None) -> pa.RecordBatch:
    """The figures now, one row per admin area of the default level (intersecting ``bbox``).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    bbox : tuple of 4 float, optional

    Returns
    -------
    pyarrow.RecordBatch
        Schema :data:`AREAS_SCHEMA`; geometries as MultiPolygon WKB.
    """
    window = DateWindow.ending(today(), default("window_days"))
    features = admin_area_figures(session, window, bbox=bbox)["features"]
    geoms = [shapely.from_geojson(json.dumps(f["geometry"])) for f in features]
    multi = [shapely.MultiPolygon([g]) if isinstance(g, shapely.Polygon) else g for g in geoms]
    columns = {
        "area_id": [f["id"] for f in features],
        **{k: [f["properties"].get(k) for f in features] for k in _FIELDS},
        "window_start": [window.start] * len(features),
        "window_end": [window.end] * len(features),
        "geom": [shapely.to_wkb(g) for g in multi],
    }
    return pa.RecordBatch.from_arrays(
        [pa.array(columns[f.name], type=f.type) for f in AREAS_SCHEMA], schema=AREAS_SCHEMA
    )
