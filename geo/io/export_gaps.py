"""The engagement-gap result as exported data: the GeoPackage layer and the
OGC collection. Like ``/api/v1/analysis/engagement-gaps`` it is computed
from the committed data with the default parameters when asked, so it is
never stale. A bbox selects communities after ranking, as the API does, so
scores and ranks stay those of the whole mission (docs/analysis.md#area-subsets)."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import shapely
from sqlalchemy.orm import Session

from geo.analysis import GapParams, GapResult
from geo.analysis.cache import cached_gaps
from geo.analysis.export import PROPERTY_COLUMNS, features
from geo.errors import NotFound
from geo.repository import Page

_INTS = (
    "community_id",
    "population",
    "last_engagement_id",
    "days_since_engagement",
    "incidents_window",
    "fatalities_window",
    "nearest_site_id",
    "travel_site_id",
    "rank",
)
_TYPES = {
    **{c: pa.int64() for c in _INTS},
    "name": pa.string(),
    "last_engagement_kind": pa.string(),
    "last_engagement_at": pa.timestamp("us", tz="UTC"),
    "under_engaged": pa.bool_(),
    "unreachable": pa.bool_(),
    "population_estimated": pa.bool_(),
    "travel_season": pa.string(),
    "reasons": pa.list_(pa.string()),
    "explanation": pa.string(),  # JSON: [{"code", "params"}] (docs/analysis.md#reasons)
}
GAPS_SCHEMA = pa.schema(
    [
        *(pa.field(c, _TYPES.get(c, pa.float64())) for c in PROPERTY_COLUMNS),
        pa.field("as_of", pa.date32()),
        pa.field("computed_at", pa.timestamp("us", tz="UTC")),
        pa.field("geom", pa.binary()),
    ]
)


def current_gaps(
    session: Session, bbox: tuple[float, float, float, float] | None = None
) -> tuple[GapResult, pd.DataFrame]:
    """The result now, and its rows inside ``bbox`` with their mission-wide
    scores and ranks (the area rule of the API: docs/analysis.md#area-subsets)."""
    result = cached_gaps(session, GapParams(), bbox=bbox)
    return result, result.table


def gaps_batch(computed: tuple[GapResult, pd.DataFrame]) -> pa.RecordBatch:
    result, rows = computed
    reasons, sentences = result.explained(rows)  # every row: the layer holds them all
    arrays = []
    for f in GAPS_SCHEMA:
        if rows.empty:
            arrays.append(pa.array([], type=f.type))
        elif f.name == "as_of":
            arrays.append(pa.array([result.params.as_of] * len(rows), type=f.type))
        elif f.name == "computed_at":
            arrays.append(pa.array([result.computed_at] * len(rows), type=f.type))
        elif f.name == "reasons":
            arrays.append(pa.array(sentences, type=f.type))
        elif f.name == "explanation":
            arrays.append(pa.array([json.dumps(e) for e in reasons], type=f.type))
        elif f.name == "geom":
            points = shapely.points(rows["lon"].to_numpy(float), rows["lat"].to_numpy(float))
            arrays.append(pa.array(list(shapely.to_wkb(points)), type=f.type))
        else:
            arrays.append(pa.array(rows[f.name], from_pandas=True).cast(f.type, safe=False))
    return pa.RecordBatch.from_arrays(arrays, schema=GAPS_SCHEMA)


def list_gaps(
    session: Session, *, bbox: tuple[float, float, float, float] | None = None, limit: int = 100, offset: int = 0
) -> Page:
    result, rows = current_gaps(session, bbox)
    return Page(features(result, rows.iloc[offset : offset + limit]), len(rows))


def get_gap(session: Session, community_id: int) -> dict:
    result, rows = current_gaps(session)
    found = features(result, rows[rows["community_id"] == community_id])
    if not found:
        raise NotFound(f"no community {community_id} in the engagement-gap result", field="featureId")
    return found[0]
