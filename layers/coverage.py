"""Coverage gaps: the area no recent patrol covered (DESIGN §5.5)."""

from __future__ import annotations

import folium

from layers.remote import feature_group
from layers.spec import DateWindow, Fixed, LayerSpec

API = "/api/v1/analysis/coverage-gaps"


def coverage_gaps_layer(window: DateWindow, *, show: bool = False, api: str = API, days: int = 30,
                        admin_area: int | None = None) -> folium.FeatureGroup:
    """Uncovered area for the ``days`` before the window end: inside ``admin_area``
    (e.g. the country, so nothing outside it is painted), else inside the view."""
    params = {"format": "geojson", "as_of": window.end.isoformat(), "days": days}
    if admin_area is not None:
        params["admin_area"] = admin_area
    return feature_group(LayerSpec(
        key="coverage-gaps", name=f"Coverage gaps ({days} days)", url=api, kind="area", params=params,
        viewport=admin_area is None, colour=Fixed("#e31a1c", f"no patrol coverage in the last {days} days"),
        popup=[], show=show, fill_opacity=0.3,
    ))
