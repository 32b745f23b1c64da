"""Distances for the analysis: geodesic metres on the WGS84 ellipsoid.

Every "within r metres" decision is made on the ellipsoid (Karney's geodesic,
``pyproj.Geod``). To find candidates fast, points are first mapped with the
ellipsoidal Mercator projection (EPSG:3395, pure numpy): it is conformal, so
locally a distance is the projected distance divided by the point scale
factor ``k(φ)`` (averaged over the pair's ends), whatever the longitude extent (no UTM-zone seams). Pairs
whose scale-corrected planar distance is clearly inside or outside the radius
(outside a relative band of ``BAND``) are decided from it; pairs inside the
band are re-measured geodesically (within = distance ≤ r + 1 mm, so a point
placed exactly at the radius counts despite float rounding). The residual error of the planar
estimate is below 0.05 % for separations up to 100 km at |lat| ≤ 60°
(tests/geo/test_analysis_metric.py), well inside the band, so decisions are
those of the geodesic.
"""

from __future__ import annotations

import numpy as np
from pyproj import Geod
from scipy.spatial import cKDTree

A = 6378137.0  # WGS84 semi-major axis
F = 1 / 298.257223563
E2 = F * (2 - F)
E = np.sqrt(E2)
GEOD = Geod(ellps="WGS84")
BAND = 0.002  # relative; pairs this close to a radius are measured geodesically
TOL_M = 0.001  # a point placed exactly at the radius (to float precision) is within it
MAX_RADIUS_M = 100_000.0
MAX_ABS_LAT = 80.0


def mercator(lon, lat) -> np.ndarray:
    """EPSG:3395 (ellipsoidal Mercator) coordinates, shape (n, 2)."""
    lam = np.radians(np.asarray(lon, dtype=float))
    phi = np.radians(np.asarray(lat, dtype=float))
    s = np.sin(phi)
    y = A * (np.arctanh(s) - E * np.arctanh(E * s))
    return np.column_stack([A * lam, y])


def inverse_lat(y) -> np.ndarray:
    """Latitude (degrees) of EPSG:3395 northings, by fixed-point iteration."""
    t = np.exp(-np.asarray(y, dtype=float) / A)
    phi = np.pi / 2 - 2 * np.arctan(t)
    for _ in range(8):
        es = E * np.sin(phi)
        phi = np.pi / 2 - 2 * np.arctan(t * ((1 - es) / (1 + es)) ** (E / 2))
    return np.degrees(phi)


def scale(lat) -> np.ndarray:
    """Point scale factor of EPSG:3395 at latitude ``lat`` (degrees)."""
    phi = np.radians(np.asarray(lat, dtype=float))
    return np.sqrt(1 - E2 * np.sin(phi) ** 2) / np.cos(phi)


def geodesic(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres on WGS84 (vectorised)."""
    if np.size(lon1) == 0:
        return np.zeros(0)
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


class Points:
    """A point set prepared for radius searches: lon/lat, Mercator x/y, a k-d tree."""

    def __init__(self, lon, lat):
        self.lon = np.asarray(lon, dtype=float)
        self.lat = np.asarray(lat, dtype=float)
        self.xy = mercator(self.lon, self.lat) if len(self.lon) else np.zeros((0, 2))
        self.k = scale(self.lat)
        self._tree: cKDTree | None = None

    def __len__(self) -> int:
        return len(self.lon)

    @property
    def tree(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(self.xy)
        return self._tree

    def subset(self, idx) -> Points:
        p = Points.__new__(Points)
        p.lon, p.lat, p.xy, p.k, p._tree = self.lon[idx], self.lat[idx], self.xy[idx], self.k[idx], None
        return p

    def k_max(self) -> float:
        return float(self.k.max()) if len(self) else 1.0


def search_radius(r_m: float, *sets: Points) -> float:
    """Mercator search radius that surely contains every pair within ``r_m`` metres."""
    k = max(s.k_max() for s in sets)
    return r_m * k * (1 + 2 * BAND) + 1.0


def pairs_within(a: Points, b: Points, r_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i into ``a``, j into ``b``) with geodesic distance ≤ ``r_m``."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    m = a.tree.sparse_distance_matrix(b.tree, search_radius(r_m, a, b), output_type="ndarray")
    i, j, v = m["i"].astype(np.int64), m["j"].astype(np.int64), m["v"]
    est = v / ((a.k[i] + b.k[j]) / 2)  # the mean of the ends' scale factors: exact to second order
    keep = est <= r_m * (1 - BAND)
    band = ~keep & (est <= r_m * (1 + BAND))
    if band.any():
        bi, bj = i[band], j[band]
        keep[band] = geodesic(a.lon[bi], a.lat[bi], b.lon[bj], b.lat[bj]) <= r_m + TOL_M
    return i[keep], j[keep]


def nearest(a: Points, b: Points, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """For each point of ``a``: index of the geodesically nearest point of ``b`` and the distance.

    The ``k`` planar-nearest candidates are re-measured geodesically.
    """
    n = len(a)
    if n == 0 or len(b) == 0:
        return np.full(n, -1, np.int64), np.full(n, np.nan)
    k = min(k, len(b))
    _, idx = b.tree.query(a.xy, k=k)
    idx = idx.reshape(n, k)
    d = geodesic(np.repeat(a.lon, k), np.repeat(a.lat, k), b.lon[idx.ravel()], b.lat[idx.ravel()]).reshape(n, k)
    best = np.argmin(d, axis=1)
    rows = np.arange(n)
    return idx[rows, best].astype(np.int64), d[rows, best]
