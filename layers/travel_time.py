"""Travel time: hours from the nearest mission site, as a coloured overlay
(docs/reach.md#travel-time). The server renders the PNG in Web Mercator
(``geo.reach.products.overlay_png``, classes in ``geo.reach.hours``) with the classes the legend shows here,
for the season of the window's last day."""

from __future__ import annotations

from geo.i18n import N_
from geo.reach.hours import HOURS_CLASSES, UNREACHABLE
from layers.remote import RemoteLayer
from layers.spec import DateWindow, Graduated, LayerSpec, Urls

OVERLAY = "map-travel-time"
ROUTES = (OVERLAY,)

BY_HOURS = Graduated("travel_hours", HOURS_CLASSES, missing=UNREACHABLE[0], missing_label=UNREACHABLE[1])


def travel_time_layer(window: DateWindow, urls: Urls, *, show: bool = True) -> RemoteLayer:
    """Hours from the sites active on the window's last day, in that day's season."""
    return RemoteLayer(
        LayerSpec(
            key="travel-time",
            name=N_("Travel time to a mission site"),
            url=urls[OVERLAY],
            kind="image",
            params={"as_of": window.end.isoformat(), "season": "auto"},
            viewport=False,
            colour=BY_HOURS,
            popup=[],
            show=show,
            fill_opacity=0.6,
            note=N_(
                "by road where there is one, on foot elsewhere; rivers are crossed only at bridges, ferries and fords"
            ),
        )
    )
