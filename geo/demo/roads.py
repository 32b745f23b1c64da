"""The demo's ground for travel time (docs/reach.md#demo): a seeded road
network between the real towns (synthetic), the crossings where those roads
meet the rivers (synthetic), and the real rivers and land cover shipped in
``geo/demo/data`` (Natural Earth 1:10m rivers, public domain; MODIS MCD12C1
2019 land cover, no restrictions — see that folder's README).

- **Roads**: the towns' minimum spanning tree (on kilometres) is the
  backbone: its way from Bangui to each of the eight largest towns is
  ``primary`` (paved within 250 km of Bangui, gravel beyond), any other
  tree edge ``secondary`` (gravel or earth); each town's nearest town
  not already joined adds a ``tertiary`` earth road (loops); the largest
  villages get an earth ``track`` to their nearest town (these close in the
  rainy season). Each road bends through a few jittered vertices and is
  clipped to the mission area.
- **Crossings**: where a road meets a river, a primary road has a bridge, a
  secondary a ferry and a tertiary road or track a ford, closed in the
  rainy season.
- **Season**: none is stored; the analyses take the season of their day
  (``PEACEMAP_RAINY_MONTHS``, May–October by default), so the demo shows
  the dry or rainy network depending on its end date.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import breadth_first_order, minimum_spanning_tree
from scipy.spatial import cKDTree, distance_matrix
from shapely.geometry import LineString, MultiLineString

from geo.demo.towns import MISSION_AREA, SYNTHETIC_SOURCE, km_xy, real_towns

CRS = "EPSG:4326"
DATA = Path(__file__).with_name("data")
RIVERS_FILE = DATA / "ne_10m_rivers_caf.geojson"
LANDCOVER_FILE = DATA / "modis_landcover_igbp_2019_caf_20km.tif"
RIVER_SOURCE = "naturalearth 1:10m rivers (shipped with peacemap)"
LANDCOVER_PROVENANCE = (
    "MODIS MCD12C1 v006, 2019 majority IGBP class aggregated to 1/6° (afrimapr/afrilearndata, CC0; "
    "NASA LP DAAC data: no restrictions); shipped with peacemap for the demo"
)
MAJOR_TOWNS = 8
PAVED_KM = 250.0
TRACKED_VILLAGES = 60
ROAD_COLUMNS = ["name", "ref", "highway", "surface", "bridge", "source", "source_id"]


@lru_cache(maxsize=1)
def rivers() -> gpd.GeoDataFrame:
    """The shipped Natural Earth rivers that cross the mission area, clipped to it (real data).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of the ``waterways`` table (``geom`` in EPSG:4326).
    """
    ne = gpd.read_file(RIVERS_FILE)
    clipped = ne.geometry.intersection(MISSION_AREA)
    keep = ~clipped.is_empty & clipped.geom_type.isin(["LineString", "MultiLineString"])
    ne = ne[keep]
    kind = ne["featurecla"].map({"River": "river", "Lake Centerline": "lake"}).fillna("river")
    geoms = [MultiLineString([g]) if isinstance(g, LineString) else g for g in clipped[keep]]
    frame = pd.DataFrame(
        {
            "name": ne["name"].to_numpy(),
            "kind": kind.to_numpy(),
            "seasonal": False,
            "source": RIVER_SOURCE,
            "source_id": ne["rivernum"].astype(int).astype(str).to_numpy(),
        }
    )
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS).rename_geometry("geom").reset_index(drop=True)


def _bend(rng: np.random.Generator, a: tuple[float, float], b: tuple[float, float]) -> LineString:
    """A road from a to b through a few vertices jittered across its line."""
    (x0, y0), (x1, y1) = a, b
    length = float(np.hypot(x1 - x0, y1 - y0))
    k = max(2, int(length / 0.25))  # a vertex every ~25 km
    t = np.linspace(0, 1, k + 2)[1:-1]
    offset = rng.normal(0, 0.04 * length, k) * np.sin(np.pi * t)
    nx, ny = (-(y1 - y0) / length, (x1 - x0) / length) if length else (0.0, 0.0)
    xs = np.concatenate([[x0], x0 + t * (x1 - x0) + offset * nx, [x1]])
    ys = np.concatenate([[y0], y0 + t * (y1 - y0) + offset * ny, [y1]])
    return LineString(np.column_stack([xs, ys]))


def _inside(line: LineString):
    clipped = shapely.intersection(line, MISSION_AREA)
    parts = [p for p in shapely.get_parts(clipped) if p.geom_type == "LineString" and p.length > 0]
    return MultiLineString(parts) if parts else None


def roads(rng: np.random.Generator, communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The synthetic road network between the real towns and to the largest villages.

    Parameters
    ----------
    rng : numpy.random.Generator
    communities : geopandas.GeoDataFrame
        The scenario's communities (the villages tracks lead to).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of the ``roads`` table.
    """
    towns = real_towns()
    xy = km_xy(towns["lon"], towns["lat"])
    dist = distance_matrix(xy, xy)
    tree = minimum_spanning_tree(dist)
    bangui = int(np.flatnonzero(towns["name"].to_numpy() == "Bangui")[0])
    coo = tree.tocoo()
    pairs: set[tuple[int, int]] = {
        (min(int(i), int(j)), max(int(i), int(j))) for i, j in zip(coo.row, coo.col, strict=True)
    }
    _, parent = breadth_first_order(tree, bangui, directed=False, return_predecessors=True)
    national = set()
    for town in range(min(MAJOR_TOWNS, len(towns))):  # the tree's way from Bangui to each large town
        while town != bangui and parent[town] >= 0:
            national.add((min(town, int(parent[town])), max(town, int(parent[town]))))
            town = int(parent[town])
    rows: list[tuple[str, str, int, int]] = []
    geoms: list[MultiLineString] = []
    for i, j in sorted(pairs):
        if (i, j) in national:
            near = max(dist[bangui, i], dist[bangui, j]) <= PAVED_KM
            rows.append(("primary", "paved" if near else "gravel", i, j))
        else:
            rows.append(("secondary", "gravel" if rng.random() < 0.6 else "earth", i, j))
    order = np.argsort(dist, axis=1)
    for i in range(len(towns)):
        j = next(int(j) for j in order[i, 1:] if (min(i, int(j)), max(i, int(j))) not in pairs)
        pair = (min(i, j), max(i, j))
        pairs.add(pair)
        rows.append(("tertiary", "earth", pair[0], pair[1]))
    out: list[tuple] = []
    for n, (highway, surface, i, j) in enumerate(rows):
        a, b = towns.iloc[i], towns.iloc[j]
        line = _inside(_bend(rng, (a["lon"], a["lat"]), (b["lon"], b["lat"])))
        if line is None:
            continue
        ref = {"primary": f"RN{n + 1}", "secondary": f"RR{n + 1}"}.get(highway)
        out.append(
            (f"{a['name']} – {b['name']}", ref, highway, surface, False, f"demo-road-{a['geonameid']}-{b['geonameid']}")
        )
        geoms.append(line)
    villages = communities[communities["kind"] == "village"].nlargest(TRACKED_VILLAGES, "population")
    town_tree = cKDTree(xy)
    lon, lat = villages.geometry.x.to_numpy(), villages.geometry.y.to_numpy()
    nearest = np.atleast_1d(town_tree.query(km_xy(lon, lat))[1])
    for name, source_id, x, y, t in zip(villages["name"], villages["source_id"], lon, lat, nearest, strict=True):
        hub = towns.iloc[int(t)]
        line = _inside(_bend(rng, (float(x), float(y)), (hub["lon"], hub["lat"])))
        if line is None:
            continue
        v = {"name": name, "source_id": source_id}
        out.append(
            (f"piste {v['name']} – {hub['name']}", None, "track", "earth", False, f"demo-track-{v['source_id']}")
        )
        geoms.append(line)
    frame = pd.DataFrame(out, columns=["name", "ref", "highway", "surface", "bridge", "source_id"])
    frame.insert(5, "source", SYNTHETIC_SOURCE)
    return gpd.GeoDataFrame(frame[ROAD_COLUMNS], geometry=geoms, crs=CRS).rename_geometry("geom")


CROSSING_BY_CLASS = {"primary": "bridge", "secondary": "ferry", "tertiary": "ford", "track": "ford"}


def crossings(road_frame: gpd.GeoDataFrame, river_frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A crossing wherever a road meets a river: bridge, ferry or (seasonal) ford by the road's class.

    Parameters
    ----------
    road_frame : geopandas.GeoDataFrame
    river_frame : geopandas.GeoDataFrame

    Returns
    -------
    geopandas.GeoDataFrame
        Columns of the ``crossings`` table.
    """
    rows, points = [], []
    tree = shapely.STRtree(river_frame.geometry.values)
    for highway, road_id, geom in zip(road_frame["highway"], road_frame["source_id"], road_frame.geometry, strict=True):
        for r in tree.query(geom, predicate="intersects"):
            river = river_frame.iloc[int(r)]
            hits = [p for p in shapely.get_parts(shapely.intersection(geom, river.geom)) if p.geom_type == "Point"]
            for k, p in enumerate(hits):
                kind = CROSSING_BY_CLASS[highway]
                rows.append(
                    (
                        f"{kind} on the {river['name']}",
                        kind,
                        kind == "ford",
                        f"demo-crossing-{road_id}-{river['source_id']}-{k}",
                    )
                )
                points.append(p)
    frame = pd.DataFrame(rows, columns=["name", "kind", "seasonal", "source_id"])
    frame.insert(3, "source", SYNTHETIC_SOURCE)
    return gpd.GeoDataFrame(frame, geometry=points, crs=CRS).rename_geometry("geom")
