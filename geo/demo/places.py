"""Where things are: synthetic admin areas, real towns plus generated
villages, and mission sites at real towns."""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import MultiPoint, MultiPolygon

from geo.demo.towns import (
    COUNTRY,
    MISSION,
    MISSION_AREA,
    SYNTHETIC_SOURCE,
    TOWN_SOURCE,
    inside,
    km_xy,
    polar_offset,
    real_towns,
)

CRS = "EPSG:4326"
AREA_PCODE = "CFDEMO"
# Seeds of the Voronoi "prefectures": towns at least this far from a larger one.
PREFECTURE_SPACING_KM = 70.0
# Syllables for synthetic village names (Sango-like, invented: no real village).
_SYLLABLES = np.array(
    "ba bo bé da do ga gou ka ké ko kou la lé ma mba mbo mo na ndo nga ngo "
    "ngou pa po sa so ta to wa ya yo za zo zé bi gbi ngba kpa li lo".split(),
    dtype=object,
)
# Sites at named towns, in priority order (kind per town).
# Sites at named towns, in priority order (kind per town): the first twelve
# (the demo's minimum) already hold every kind of site.
SITE_PLAN = (
    ("Bangui", "hq"),
    ("Bambari", "field_office"),
    ("Bria", "field_office"),
    ("Kaga-Bandoro", "field_office"),
    ("Bossangoa", "field_office"),
    ("Bouar", "field_office"),
    ("Paoua", "field_office"),
    ("Bangui", "unpol_post"),
    ("Batangafo", "cob"),
    ("Bocaranga", "tob"),
    ("Ndélé", "field_office"),
    ("Alindao", "team_site"),
    ("Berbérati", "field_office"),
    ("Bangassou", "field_office"),
)
_MINOR_KINDS = ("tob", "team_site", "unpol_post", "cob", "tob", "team_site")
MISSION_START = date(2014, 9, 15)


def _multipolygon(geom) -> MultiPolygon:
    """The polygonal parts of a clipping result (which may be any type)."""
    return MultiPolygon([p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"])


def village_names(rng: np.random.Generator, n: int) -> list[str]:
    k = rng.integers(2, 4, n)
    picks = rng.integers(0, len(_SYLLABLES), (n, 3))
    parts = _SYLLABLES[picks]
    return ["".join(row[:m]).capitalize() for row, m in zip(parts, k, strict=True)]


def admin_areas() -> gpd.GeoDataFrame:
    """Level 0: the mission area; level 1: Voronoi cells of well-spaced real
    towns clipped to it (synthetic "prefectures", named after their town)."""
    towns = real_towns()
    xy = km_xy(towns["lon"], towns["lat"])
    chosen: list[int] = []
    for i in range(len(towns)):
        if all(np.hypot(*(xy[i] - xy[j])) >= PREFECTURE_SPACING_KM for j in chosen):
            chosen.append(i)
    seeds = towns.iloc[chosen].reset_index(drop=True)
    cells = shapely.voronoi_polygons(
        MultiPoint(np.column_stack([seeds["lon"], seeds["lat"]])), extend_to=MISSION_AREA.buffer(1.0)
    )
    cell_list = list(cells.geoms)
    # voronoi_polygons does not keep input order: match cells to seeds.
    owner = shapely.STRtree(cell_list).query(shapely.points(seeds["lon"], seeds["lat"]), predicate="within")
    by_seed = dict(zip(owner[0], owner[1], strict=True))
    geoms = [_multipolygon(shapely.intersection(cell_list[by_seed[i]], MISSION_AREA)) for i in range(len(seeds))]
    level1 = pd.DataFrame(
        {
            "name": [f"{n} (synthetic prefecture)" for n in seeds["name"]],
            "level": 1,
            "pcode": [f"{AREA_PCODE}{i + 1:02d}" for i in range(len(seeds))],
            "parent_pcode": AREA_PCODE,
        }
    )
    level0 = pd.DataFrame(
        {"name": ["MINUSCA demo mission area"], "level": [0], "pcode": [AREA_PCODE], "parent_pcode": [None]}
    )
    df = pd.concat([level0, level1], ignore_index=True)
    df["country"] = COUNTRY
    df["source"] = SYNTHETIC_SOURCE
    df["source_id"] = [f"demo-admin-{p}" for p in df["pcode"]]
    return gpd.GeoDataFrame(df, geometry=[MultiPolygon([MISSION_AREA]), *geoms], crs=CRS).rename_geometry("geom")


def _towns_frame() -> pd.DataFrame:
    t = real_towns()
    return pd.DataFrame(
        {
            "name": t["name"],
            "kind": "town",
            "population": t["population"],
            "lon": t["lon"],
            "lat": t["lat"],
            "source": TOWN_SOURCE,
            "source_id": t["geonameid"],
        }
    )


def _villages(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Villages clustered around real towns (75 %) and scattered (25 %)."""
    towns = real_towns()
    lon = np.empty(0)
    lat = np.empty(0)
    weights = np.sqrt(towns["population"].to_numpy(float))
    minx, miny, maxx, maxy = MISSION_AREA.bounds
    while len(lon) < n:
        m = int((n - len(lon)) * 1.4) + 16
        near = rng.random(m) < 0.75
        parent = rng.choice(len(towns), m, p=weights / weights.sum())
        d = rng.gamma(1.6, 22.0, m)
        x, y = polar_offset(rng, towns["lon"].to_numpy()[parent], towns["lat"].to_numpy()[parent], d)
        x = np.where(near, x, rng.uniform(minx, maxx, m))
        y = np.where(near, y, rng.uniform(miny, maxy, m))
        keep = inside(x, y)
        lon = np.concatenate([lon, x[keep]])
        lat = np.concatenate([lat, y[keep]])
    lon, lat = lon[:n], lat[:n]
    population = np.maximum(20, rng.lognormal(6.0, 1.0, n)).round().astype(np.int64)
    kind = np.where(population >= 5_000, "town", "village").astype(object)
    idp = rng.random(n) < 0.03
    kind[idp] = "idp_site"
    population[idp] = np.maximum(100, rng.lognormal(7.3, 0.8, idp.sum())).round()
    names = np.array(village_names(rng, n), dtype=object)
    names[idp] = ["IDP site " + s for s in names[idp]]
    return pd.DataFrame(
        {
            "name": names,
            "kind": kind,
            "population": population,
            "lon": lon,
            "lat": lat,
            "source": SYNTHETIC_SOURCE,
            "source_id": [f"demo-community-{i:06d}" for i in range(n)],
        }
    )


def _nearest_town(lon, lat) -> list[str]:
    towns = real_towns()
    _, idx = cKDTree(km_xy(towns["lon"], towns["lat"])).query(km_xy(lon, lat))
    return list(towns["name"].to_numpy()[idx])


def communities(rng: np.random.Generator, n: int, areas: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``n`` communities: the real towns, PoC sites beside the field offices,
    and generated villages/towns/IDP sites for the rest."""
    towns = _towns_frame()
    offices = sites[sites["kind"].isin(["hq", "field_office"])].head(max(2, n // 10_000))
    plon, plat = polar_offset(
        rng, offices.geometry.x.to_numpy(), offices.geometry.y.to_numpy(), rng.uniform(0.5, 2.5, len(offices))
    )
    poc = pd.DataFrame(
        {
            "name": [f"PoC site {t}" for t in _nearest_town(plon, plat)],
            "kind": "poc_site",
            "population": rng.integers(2_000, 40_000, len(offices)),
            "lon": plon,
            "lat": plat,
            "source": SYNTHETIC_SOURCE,
            "source_id": [f"demo-poc-{i:02d}" for i in range(len(offices))],
        }
    )
    villages = _villages(rng, max(0, n - len(towns) - len(poc)))
    df = pd.concat([towns, poc, villages], ignore_index=True)
    pts = shapely.points(df["lon"].to_numpy(), df["lat"].to_numpy())
    level1 = areas[areas["level"] == 1].reset_index(drop=True)
    hit = shapely.STRtree(level1.geometry.values).query(pts, predicate="within")
    area_of = np.full(len(df), -1)
    area_of[hit[0]] = hit[1]
    area_ids = level1["source_id"].to_numpy(dtype=object)[area_of]
    area_ids[area_of < 0] = None
    df["admin_area_source_id"] = area_ids
    df["pcode"] = None
    df["population"] = df["population"].astype(np.int64)
    return gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]), geometry=pts, crs=CRS).rename_geometry("geom")


def sites(rng: np.random.Generator, n: int, end: date) -> gpd.GeoDataFrame:
    """``n`` mission sites: :data:`SITE_PLAN`, then minor posts at the other
    real towns by size, then temporary bases 15-60 km out of those towns.
    About one temporary base in seven has closed."""
    towns = real_towns().set_index("name")
    plan = list(SITE_PLAN)
    planned = {t for t, _ in plan}
    plan += [(t, _MINOR_KINDS[i % len(_MINOR_KINDS)]) for i, t in enumerate(t for t in towns.index if t not in planned)]
    rows = []
    seen: dict[str, int] = {}
    for i in range(n):
        town, kind = plan[i % len(plan)]
        if i >= len(plan):
            kind = "tob"
        lon, lat = towns.loc[town, ["lon", "lat"]]
        k = seen.get(town, 0)
        seen[town] = k + 1
        if k:  # a second post in the same town (or a TOB out of it) sits apart
            (lon,), (lat,) = polar_offset(rng, [lon], [lat], np.array([1.5 if i < len(plan) else rng.uniform(15, 60)]))
        label = {
            "hq": "Mission HQ",
            "field_office": "Field office",
            "cob": "COB",
            "tob": "TOB",
            "team_site": "Team site",
            "unpol_post": "UNPOL post",
        }[kind]
        suffix = f" {k + 1}" if kind == "tob" and k else ""
        rows.append((f"{label} {town}{suffix}", kind, lon, lat, f"demo-site-{i:03d}"))
    df = pd.DataFrame(rows, columns=["name", "kind", "lon", "lat", "source_id"])
    temporary = df["kind"].isin(["tob", "team_site"]).to_numpy()
    opened = [end - timedelta(days=int(d)) for d in rng.integers(400, 1500, n)]
    df["active_from"] = [day if t else MISSION_START for t, day in zip(temporary, opened, strict=True)]
    closed = temporary & (rng.random(n) < 0.15)
    df["active_to"] = [
        end - timedelta(days=int(d)) if c else None for c, d in zip(closed, rng.integers(30, 200, n), strict=True)
    ]
    df["mission"] = MISSION
    df["source"] = SYNTHETIC_SOURCE
    pts = shapely.points(df["lon"].to_numpy(), df["lat"].to_numpy())
    return gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]), geometry=pts, crs=CRS).rename_geometry("geom")


def nearest_site_km(sites_gdf: gpd.GeoDataFrame, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Distance (km, planar approximation) and index of the nearest site."""
    tree = cKDTree(km_xy(sites_gdf.geometry.x, sites_gdf.geometry.y))
    distance, index = tree.query(km_xy(lon, lat))
    return np.asarray(distance), np.asarray(index)
