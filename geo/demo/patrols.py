"""Synthetic patrol tracks: loops that leave a mission site and come back,
5-30 vertices each, sized and timed by patrol type."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.demo.scenario import PATROL_YEARS
from geo.demo.towns import MISSION_AREA, SYNTHETIC_SOURCE, offset

PATROL_TYPES = np.array(["foot", "vehicle", "riverine", "air"], dtype=object)
TYPE_SHARE = [0.35, 0.55, 0.04, 0.06]
# Per type: loop radius (km, low/high), duration (hours, low/high), coverage_m.
LOOP_KM = np.array([[0.5, 3.0], [5.0, 40.0], [3.0, 20.0], [20.0, 80.0]])
HOURS = np.array([[2.0, 8.0], [3.0, 48.0], [3.0, 12.0], [2.0, 6.0]])
COVERAGE_M = np.array([2_000.0, 5_000.0, 3_000.0, 20_000.0])
SITE_WEIGHT = {"hq": 3.0, "field_office": 3.0, "cob": 2.0, "tob": 1.0, "team_site": 1.0, "unpol_post": 1.5}
CONTINGENTS = (
    "BANBATT",
    "PAKBATT",
    "RWABATT",
    "ZAMBATT",
    "EGYBATT",
    "MORBATT",
    "NEPBATT",
    "PERU ENG",
    "BDESH ENG",
    "CMR FPU",
    "RWA FPU",
    "SEN FPU",
)
COMPANIES = ("A Coy", "B Coy", "C Coy", "QRF")
MIN_VERTICES, MAX_VERTICES = 5, 30
ROUTES_PER_SITE_AND_TYPE = 6
ROUTE_USE = np.array([0.35, 0.25, 0.15, 0.12, 0.08, 0.05])
STRAY_DEG = 0.25  # how far (degrees) a track may leave the mission area


def _units(sites: gpd.GeoDataFrame) -> np.ndarray:
    """One contingent per site (police posts get a formed police unit)."""
    military = [c for c in CONTINGENTS if "FPU" not in c]
    police = [c for c in CONTINGENTS if "FPU" in c]
    return np.array(
        [
            (police if k == "unpol_post" else military)[i % (len(police) if k == "unpol_post" else len(military))]
            for i, k in enumerate(sites["kind"])
        ],
        dtype=object,
    )


def patrols(rng: np.random.Generator, n: int, sites: gpd.GeoDataFrame, end: date) -> gpd.GeoDataFrame:
    """``n`` patrols over the ``PATROL_YEARS`` up to ``end``; none from a site
    after it closed. About a third carry their own ``coverage_m``."""
    w = sites["kind"].map(SITE_WEIGHT).to_numpy(float)
    site = rng.choice(len(sites), n, p=w / w.sum())
    ptype = rng.choice(4, n, p=TYPE_SHARE)
    police_post = (sites["kind"].to_numpy() == "unpol_post")[site]
    component = np.where(
        police_post,
        rng.choice(np.array(["police", "joint"], dtype=object), n, p=[0.8, 0.2]),
        rng.choice(np.array(["military", "police", "civilian", "joint"], dtype=object), n, p=[0.7, 0.08, 0.07, 0.15]),
    )
    component[PATROL_TYPES[ptype] == "air"] = "military"
    unit = _units(sites)[site] + " " + rng.choice(np.array(COMPANIES, dtype=object), n)
    unit[component == "civilian"] = "Civil Affairs / CLA team"

    # A loop: centre at distance R from the site, vertices around it, first
    # and last vertex on the site itself. Each site has a few habitual routes
    # per patrol type (some used far more than others), so places off those
    # routes go unvisited. Loops lean into the mission area.
    route = (site * len(PATROL_TYPES) + ptype) * ROUTES_PER_SITE_AND_TYPE + rng.choice(
        ROUTES_PER_SITE_AND_TYPE, n, p=ROUTE_USE
    )
    n_routes = len(sites) * len(PATROL_TYPES) * ROUTES_PER_SITE_AND_TYPE
    route_type = np.arange(n_routes) // ROUTES_PER_SITE_AND_TYPE % len(PATROL_TYPES)
    route_site = np.arange(n_routes) // (ROUTES_PER_SITE_AND_TYPE * len(PATROL_TYPES))
    sx, sy = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    inward = np.arctan2(MISSION_AREA.centroid.y - sy, MISSION_AREA.centroid.x - sx)[route_site]
    route_heading = inward + rng.uniform(-np.pi / 2, np.pi / 2, n_routes)
    route_radius = rng.uniform(LOOP_KM[route_type, 0], LOOP_KM[route_type, 1])
    route_k = rng.integers(MIN_VERTICES, MAX_VERTICES + 1, n_routes)
    route_spin = rng.choice([-1.0, 1.0], n_routes)
    route_wobble = rng.uniform(0.75, 1.25, (n_routes, MAX_VERTICES))

    radius = route_radius[route]
    k = route_k[route]
    heading = route_heading[route]
    line = np.repeat(np.arange(n), k)
    step = np.arange(len(line)) - np.repeat(np.cumsum(k) - k, k)
    frac = step / np.repeat(k - 1, k)
    phi = np.repeat(heading + np.pi, k) + np.repeat(route_spin[route], k) * 2 * np.pi * frac
    jitter = route_wobble[np.repeat(route, k), step] * rng.normal(1.0, 0.04, len(line))
    wobble = np.where((step == 0) | (frac == 1), 1.0, jitter)
    unit_dx = np.cos(np.repeat(heading, k)) + wobble * np.cos(phi)
    unit_dy = np.sin(np.repeat(heading, k)) + wobble * np.sin(phi)
    x0, y0 = np.repeat(sx[site], k), np.repeat(sy[site], k)

    def build(which: np.ndarray) -> np.ndarray:
        v = which[line]
        r = radius[line[v]]
        x, y = offset(x0[v], y0[v], r * unit_dx[v], r * unit_dy[v])
        ids = np.searchsorted(np.flatnonzero(which), line[v])
        parts = np.asarray(shapely.linestrings(x, y, indices=ids))
        return np.asarray(shapely.multilinestrings(parts, indices=np.arange(which.sum())))

    # A track that strays abroad is shrunk until it does not.
    allowed = MISSION_AREA.buffer(STRAY_DEG)
    shapely.prepare(allowed)
    stray = np.ones(n, dtype=bool)
    tracks = np.empty(n, dtype=object)
    for _ in range(10):
        tracks[stray] = build(stray)
        stray[stray] = ~shapely.within(tracks[stray], allowed)
        if not stray.any():
            break
        radius[stray] *= 0.6

    hours = rng.uniform(HOURS[ptype, 0], HOURS[ptype, 1])
    end_of_window = datetime.combine(end, time(18, 0), tzinfo=UTC)
    closes = pd.to_datetime(sites["active_to"]).to_numpy()[site]
    end_s = np.full(n, end_of_window.timestamp())
    closed = ~pd.isna(closes)
    end_s[closed] = (closes[closed].astype("datetime64[s]").astype(np.int64) + 18 * 3600).astype(float)
    ended = end_s - rng.uniform(0, 365 * PATROL_YEARS * 86400 - HOURS.max() * 3600, n)
    ended_at = pd.to_datetime(np.round(ended), unit="s", utc=True)
    started_at = ended_at - pd.to_timedelta(np.round(hours * 3600), unit="s")

    coverage = np.where(rng.random(n) < 0.33, COVERAGE_M[ptype], np.nan)
    df = pd.DataFrame(
        {
            "started_at": started_at,
            "ended_at": ended_at,
            "patrol_type": PATROL_TYPES[ptype],
            "component": component,
            "unit": unit,
            "coverage_m": coverage,
            "site_source_id": sites["source_id"].to_numpy()[site],
            "source": SYNTHETIC_SOURCE,
            "source_id": [f"demo-patrol-{i:07d}" for i in range(n)],
        }
    )
    return gpd.GeoDataFrame(df, geometry=tracks, crs="EPSG:4326").rename_geometry("geom")
