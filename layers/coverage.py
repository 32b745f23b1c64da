"""Coverage gaps: the area no recent patrol covered (docs/analysis.md)."""

from __future__ import annotations

from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import DateWindow, Fixed, LayerSpec, Urls

GAPS = "coverage-gaps"
ROUTES = (GAPS,)


def coverage_gaps_layer(
    window: DateWindow, urls: Urls, *, show: bool = False, days: int = 30, admin_area: int | None = None
) -> RemoteLayer:
    """Uncovered area for the ``days`` up to the window end: inside ``admin_area``
    (e.g. the country, so nothing outside it is painted), else inside the view."""
    params: dict[str, str | int] = {"format": "geojson", "as_of": window.end.isoformat(), "days": days}
    if admin_area is not None:
        params["admin_area"] = admin_area
    return RemoteLayer(
        LayerSpec(
            key="coverage-gaps",
            name=N_("Coverage gaps ({days} days)"),
            text_params={"days": days},
            url=urls[GAPS],
            kind="area",
            params=params,
            viewport=admin_area is None,
            colour=Fixed("#e31a1c", N_("no patrol coverage in the last {days} days")),
            popup=[],
            show=show,
            fill_opacity=0.3,
        )
    )
