"""What a generated scenario is: one GeoDataFrame per table, and how many rows
each table gets at a given scale."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import geopandas as gpd
import pandas as pd

from geo.errors import InvalidInput
from geo.models import Base, metadata
from geo.resources import REGISTRY

# The reference scale (scale = 1): the mission size the benchmarks measure (README, "The demo scenario").
REFERENCE_COUNTS = {
    "communities": 50_000,
    "incidents": 1_000_000,
    "patrols": 200_000,
    "engagements": 100_000,
    "qips": 2_000,
    "sites": 40,
}
# Below these the map and the gap analysis have too little to show, so small
# scales keep them; above them every count is linear in ``scale``.
MINIMUM_COUNTS = {
    "communities": 2_000,
    "incidents": 0,
    "patrols": 4_000,
    "engagements": 2_000,
    "qips": 100,
    "sites": 12,
}
# The demo: the minimum counts and "a few thousand" (4 000) incidents.
DEMO_SCALE = 0.004
MAX_SCALE = 5.0

INCIDENT_YEARS = 2
PATROL_YEARS = 1
ENGAGEMENT_YEARS = 2

# Every declared resource's table → its model, in load order (parents
# first: the metadata sorts tables by their foreign keys).
_MODEL_OF_TABLE = {spec.table: spec.model for spec in REGISTRY.values()}
MODELS: dict[str, type[Base]] = {
    t.name: _MODEL_OF_TABLE[t.name] for t in metadata.sorted_tables if t.name in _MODEL_OF_TABLE
}

# Foreign keys: frame column holding the parent's ``source_id`` → (parent
# table, database column). Resolved to ids at load time.
REFERENCES: dict[str, tuple[str, str, str]] = {
    "communities": ("admin_area_source_id", "admin_areas", "admin_area_id"),
    "patrols": ("site_source_id", "sites", "site_id"),
    "engagements": ("community_source_id", "communities", "community_id"),
    "qips": ("community_source_id", "communities", "community_id"),
    "interlocutors": ("community_source_id", "communities", "community_id"),
    "perceptions": ("community_source_id", "communities", "community_id"),
}


def check_scale(scale: float) -> float:
    try:
        s = float(scale)
    except (TypeError, ValueError):
        raise InvalidInput(f"scale must be a number, got {scale!r}", field="scale") from None
    if not 0 < s <= MAX_SCALE:
        raise InvalidInput(
            f"scale must be > 0 and ≤ {MAX_SCALE} (1 = the reference scale, 1 000 000 incidents)", field="scale"
        )
    return s


def counts_for(scale: float) -> dict[str, int]:
    """Rows per table at ``scale`` (admin areas and agreements are fixed)."""
    s = check_scale(scale)
    return {t: max(MINIMUM_COUNTS[t], round(n * s)) for t, n in REFERENCE_COUNTS.items()}


@dataclass(frozen=True)
class Scenario:
    """A generated scenario. Every frame has the columns of its model (as in
    ``geo/models.py``, without ``id``/timestamps) plus, for child tables, the
    ``*_source_id`` column of :data:`REFERENCES`; geometry is EPSG:4326."""

    seed: int
    scale: float
    end: date
    admin_areas: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    agreements: gpd.GeoDataFrame
    patrols: gpd.GeoDataFrame
    engagements: gpd.GeoDataFrame
    qips: gpd.GeoDataFrame
    interlocutors: pd.DataFrame  # no geometry
    perceptions: gpd.GeoDataFrame
    engagement_interlocutors: pd.DataFrame  # the links, by source ids (not a resource: loaded after the frames)
    roads: gpd.GeoDataFrame
    crossings: gpd.GeoDataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        """Table name → frame of each resource, in load order (a resource the
        demo does not generate has no field here and is left out)."""
        generated = {f.name for f in fields(self)}
        return {name: getattr(self, name) for name in MODELS if name in generated}

    def counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.frames().items()}
