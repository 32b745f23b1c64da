"""The area brief's map inset as SVG: the area, the geography around it
(the same context as the map: :mod:`geo.basemap`) and the under-engaged
communities of its list, numbered. Equirectangular around the area's
centre (x scaled by cos(latitude)): true to shape at an inset's size."""

from __future__ import annotations

import math
from collections.abc import Iterable
from html import escape

import shapely
from shapely.geometry import shape

from layers.geography import COLOURS

SIZE = 300  # the longer side, px
_AREA = 'fill="none" stroke="#000" stroke-width="2.2"'
_STYLE = {
    "lake": 'fill="{c}" stroke="{c}" stroke-width="0.5"',
    "river": 'fill="none" stroke="{c}" stroke-width="1.2"',
    "road": 'fill="none" stroke="{c}" stroke-width="1" stroke-dasharray="4 3"',
    "admin": 'fill="none" stroke="{c}" stroke-width="0.7" stroke-dasharray="2 3"',
    "country": 'fill="none" stroke="{c}" stroke-width="1.8"',
}


class _Frame:
    def __init__(self, bbox: tuple[float, float, float, float]):
        minx, miny, maxx, maxy = bbox
        self.k = math.cos(math.radians((miny + maxy) / 2))
        w, h = max((maxx - minx) * self.k, 1e-6), max(maxy - miny, 1e-6)
        self.scale = SIZE / max(w, h)
        self.minx, self.maxy = minx, maxy
        self.width, self.height = w * self.scale, h * self.scale

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.minx) * self.k * self.scale, (self.maxy - lat) * self.scale

    def path(self, geom) -> str:
        parts = []
        for line in _rings(geom):
            pts = [self.xy(x, y) for x, y in line.coords]
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts))
        return " ".join(parts)


def _rings(geom) -> Iterable:
    if geom.is_empty:
        return []
    if geom.geom_type in ("Polygon",):
        return [geom.exterior, *geom.interiors]
    if geom.geom_type in ("LineString", "LinearRing"):
        return [geom]
    return [ring for part in getattr(geom, "geoms", []) for ring in _rings(part)]


def inset_svg(area_geometry: dict, bbox, context: dict, points: list[tuple[float, float, str]]) -> str:
    """The inset.

    Parameters
    ----------
    area_geometry : dict
        The area, GeoJSON.
    bbox : sequence of 4 float
        The extent to draw (the area's, with a margin).
    context : dict
        A FeatureCollection of :func:`geo.basemap.context` for ``bbox``.
    points : list of (lon, lat, label)
        Numbered markers (the brief's under-engaged communities).

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    f = _Frame(tuple(bbox))
    body = []
    for feat in context["features"]:
        kind = feat["properties"]["layer"]
        if kind in _STYLE:
            style = _STYLE[kind].format(c=COLOURS[kind])
            body.append(f'<path class="ctx-{kind}" d="{f.path(shape(feat["geometry"]))}" {style}/>')
    body.append(f'<path class="area" d="{f.path(shapely.boundary(shape(area_geometry)))}" {_AREA}/>')
    for feat in context["features"]:
        if feat["properties"]["layer"] == "town":
            x, y = f.xy(*feat["geometry"]["coordinates"])
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#222"/>'
                f'<text class="town" x="{x + 4:.1f}" y="{y - 3:.1f}">{escape(feat["properties"]["name"])}</text>'
            )
    for lon, lat, label in points:
        x, y = f.xy(lon, lat)
        body.append(
            f'<g class="pin"><circle cx="{x:.1f}" cy="{y:.1f}" r="6.5" fill="#fff" stroke="#000" stroke-width="1.4"/>'
            f'<text x="{x:.1f}" y="{y + 3.2:.1f}" text-anchor="middle">{escape(label)}</text></g>'
        )
    return (
        f'<svg class="inset" viewBox="0 0 {f.width:.0f} {f.height:.0f}" xmlns="http://www.w3.org/2000/svg" role="img">'
        + "".join(body)
        + "</svg>"
    )
