"""Coverage gaps: the area no recent patrol covered (DESIGN §5.5)."""

from __future__ import annotations

import folium

from layers.remote import feature_group
from layers.spec import DateWindow, Fixed, LayerSpec

API = "/api/v1/analysis/coverage-gaps"


def coverage_gaps_layer(window: DateWindow, *, show: bool = False, api: str = API, days: int = 30) -> folium.FeatureGroup:
    """Uncovered area in view for the ``days`` before the window end."""
    return feature_group(LayerSpec(
        key="coverage-gaps", name=f"Coverage gaps ({days} days)", url=api, kind="area",
        params={"format": "geojson", "as_of": window.end.isoformat(), "days": days},
        colour=Fixed("#e31a1c", f"no patrol coverage in the last {days} days"), popup=[], show=show,
    ))
