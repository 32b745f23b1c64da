"""The geography beneath the data: Natural Earth borders, rivers and lakes,
the mission's admin borders and roads, town names at wide zoom and village
names closer in (:mod:`geo.basemap`), fetched for the view and its zoom from
the server: no tiles, no internet."""

from __future__ import annotations

from geo.basemap import LAYERS
from geo.i18n import N_
from layers.remote import RemoteLayer
from layers.spec import Categorical, DateWindow, LayerSpec, Urls

CONTEXT = "map-context"  # geo.basemap.context for a view, served by api.routers.geography
ROUTES = (CONTEXT,)
# Colours per kind (geo.basemap.LAYERS); labels are drawn as text, not in these colours.
COLOURS = {
    "lake": "#9ecae1",
    "river": "#4a90c2",
    "road": "#b07d48",
    "admin": "#8c6d8c",
    "country": "#4d4d4d",
    "country_label": "#4d4d4d",
    "town": "#222222",
    "village": "#555555",
}
BY_KIND = Categorical("layer", {k: COLOURS[k] for k in LAYERS}, labels=LAYERS)


def geography_spec(urls: Urls, *, show: bool = True) -> LayerSpec:
    """The context of the view, simplified for its zoom."""
    return LayerSpec(
        key="geography",
        name=N_("Geography"),
        url=urls[CONTEXT],
        kind="line",
        colour=BY_KIND,
        popup=[],
        show=show,
        context=True,
        zoom_param=True,
        note=N_("Natural Earth borders, rivers and lakes; GeoNames towns; the mission's admin areas and villages"),
    )


def geography_layer(window: DateWindow, urls: Urls, *, show: bool = True) -> RemoteLayer:
    """The geography beneath the data (the window does not change it)."""
    return RemoteLayer(geography_spec(urls, show=show))
