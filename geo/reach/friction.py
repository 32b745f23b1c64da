"""A friction surface from what a mission has (docs/reach.md#friction): land
cover for walking off road, roads for driving, rivers and water bodies as
barriers crossed only at bridges, ferries and fords, all in one season.

The surface holds minutes per metre, the unit of the Malaria Atlas
Project's surfaces, so a loaded MAP surface and a built one are used alike;
``inf`` is a barrier. Every cell's speed is the fastest way through it:
the road speed where a road passes (lines burned with ``all_touched``, so a
road is a connected chain of cells), else walking. Barrier cells are
rasterised the same way and then closed at their corners (a diagonal step
between two barrier cells that only touch at a corner would otherwise slip
through a river), and opened again around each usable crossing and under
each bridge road. Speeds and their sources: :mod:`geo.reach.speeds`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pyproj import Transformer

from geo.rasters.grid import Grid
from geo.rasters.legend import IGBP, WATER
from geo.reach import speeds as S
from geo.reach.grid import project


def _frame(*columns: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass
class Network:
    """What moves and what stops movement, in lon/lat: ``roads`` (``geometry``,
    ``highway``, ``surface``, ``bridge``), ``waterways`` (``geometry``,
    ``kind``, ``seasonal``) and ``crossings`` (``lon``, ``lat``, ``kind``,
    ``seasonal``)."""

    roads: pd.DataFrame = field(default_factory=lambda: _frame("geometry", "highway", "surface", "bridge"))
    waterways: pd.DataFrame = field(default_factory=lambda: _frame("geometry", "kind", "seasonal"))
    crossings: pd.DataFrame = field(default_factory=lambda: _frame("lon", "lat", "kind", "seasonal"))


def _burn(grid: Grid, geoms: np.ndarray, values: np.ndarray, dtype: str = "float32") -> np.ndarray:
    """Cells touched by each geometry take its value; the largest wins where they meet."""
    values = np.asarray(values, float)
    projected: np.ndarray = project(grid, geoms) if len(geoms) else np.empty(0, dtype=object)
    order = np.argsort(values, kind="stable")
    shapes = [(projected[i], values[i]) for i in order if not projected[i].is_empty]
    if not shapes:
        return np.zeros(grid.shape, dtype)
    # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")
    from rasterio.features import rasterize

    return rasterize(shapes, out_shape=grid.shape, transform=grid.transform, all_touched=True, fill=0, dtype=dtype)


def _touched(grid: Grid, geoms: np.ndarray) -> np.ndarray:
    """Cells any of ``geoms`` touches."""
    return _burn(grid, geoms, np.ones(len(geoms)), "uint8") > 0


def close_corners(barrier: np.ndarray) -> np.ndarray:
    """Fill one cell where two barrier cells touch only at a corner, so no
    8-connected step crosses between them.

    Parameters
    ----------
    barrier : numpy.ndarray of bool

    Returns
    -------
    numpy.ndarray of bool
        A new mask.
    """
    b = barrier.copy()
    down = b[:-1, :-1] & b[1:, 1:] & ~b[:-1, 1:] & ~b[1:, :-1]
    b[:-1, 1:] |= down
    up = b[:-1, 1:] & b[1:, :-1] & ~b[:-1, :-1] & ~b[1:, 1:]
    b[:-1, :-1] |= up
    return b


def offroad_kmh(landcover: np.ndarray | None, shape: tuple[int, int], speeds: S.Speeds) -> np.ndarray:
    """Walking speed per cell from IGBP classes (NaN: no land cover → the default; water → 0).

    Parameters
    ----------
    landcover : numpy.ndarray or None
        IGBP codes on the grid (NaN where unknown).
    shape : tuple of int
    speeds : Speeds

    Returns
    -------
    numpy.ndarray of float64
    """
    if landcover is None:
        return np.full(shape, S.DEFAULT_OFFROAD_KMH)
    table = np.full(max(IGBP) + 2, S.DEFAULT_OFFROAD_KMH)
    for code, kmh in speeds.offroad_kmh.items():
        table[code] = kmh
    for code in WATER:
        table[code] = 0.0
    codes = np.where(np.isnan(landcover), max(IGBP) + 1, landcover).astype(np.int64)
    return table[np.clip(codes, 0, max(IGBP) + 1)]


def _seasonal_rows(frame: pd.DataFrame, season: str) -> pd.DataFrame:
    """Rows that count in ``season``: a seasonal one only in the rainy season."""
    return frame if season == "rainy" else frame[~frame["seasonal"].astype(bool).to_numpy()]


def _open_crossings(
    grid: Grid, crossings: pd.DataFrame, season: str, barrier: np.ndarray, land: np.ndarray, road: np.ndarray
) -> np.ndarray:
    """Speed of the barrier cells each usable crossing opens (0 where none)."""
    opened = np.zeros(grid.shape)
    usable = crossings if season == "dry" else crossings[~crossings["seasonal"].astype(bool).to_numpy()]
    if usable.empty:
        return opened
    t = Transformer.from_crs("EPSG:4326", grid.crs.to_wkt(), always_xy=True)
    xs, ys = t.transform(usable["lon"].to_numpy(float), usable["lat"].to_numpy(float))
    reach = max(S.CROSSING_REACH_M, grid.cell_size)
    k = int(np.ceil(reach / grid.cell_size)) + 1
    inv = ~grid.transform
    for x, y, kind in zip(np.atleast_1d(xs), np.atleast_1d(ys), usable["kind"], strict=True):
        col, row = inv @ (x, y)
        r0, c0 = int(np.floor(row)) - k, int(np.floor(col)) - k
        rows = np.arange(max(r0, 0), min(r0 + 2 * k + 1, grid.height))
        cols = np.arange(max(c0, 0), min(c0 + 2 * k + 1, grid.width))
        if not len(rows) or not len(cols):
            continue
        cx = grid.transform.c + (cols + 0.5) * grid.transform.a
        cy = grid.transform.f + (rows + 0.5) * grid.transform.e
        near = np.hypot(cx[None, :] - x, cy[:, None] - y) <= reach
        window = np.ix_(rows, cols)
        hit = near & barrier[window]
        kmh = np.maximum(land[window], road[window]) if kind == "bridge" else np.full(hit.shape, S.CROSSING_KMH[kind])
        opened[window] = np.where(hit, np.maximum(opened[window], kmh), opened[window])
    return opened


def build_friction(
    grid: Grid,
    network: Network,
    season: str,
    *,
    landcover: np.ndarray | None = None,
    speeds: S.Speeds | None = None,
) -> np.ndarray:
    """The friction surface of ``season`` on ``grid``.

    Parameters
    ----------
    grid : Grid
        A metric grid (:func:`geo.reach.grid.metric_grid`).
    network : Network
        Roads, waterways and crossings (lon/lat).
    season : str
        ``dry`` or ``rainy``.
    landcover : numpy.ndarray, optional
        IGBP codes on ``grid`` (NaN where unknown); None: the default walking speed everywhere.
    speeds : Speeds, optional
        The defaults of :mod:`geo.reach.speeds` when None.

    Returns
    -------
    numpy.ndarray of float64
        Minutes per metre, ``grid.shape``; ``inf`` where nothing passes.
    """
    speeds = speeds or S.Speeds()
    walk_factor = S.RAINY_OFFROAD_FACTOR if season == "rainy" else 1.0
    walk = offroad_kmh(landcover, grid.shape, speeds) * walk_factor
    barrier = walk == 0  # water land cover
    land = np.where(barrier, S.DEFAULT_OFFROAD_KMH * walk_factor, walk)  # what a bridge carries walkers at

    water = _seasonal_rows(network.waterways, season)
    kind = water["kind"].to_numpy(dtype=object)
    geoms = water["geometry"].to_numpy(dtype=object)
    barrier |= _touched(grid, geoms[np.isin(kind, list(S.BARRIER_WATER))])
    for slow_kind, cap in (("stream", S.STREAM_KMH), ("wetland", S.WETLAND_KMH)):
        slow = _touched(grid, geoms[kind == slow_kind])
        walk = np.where(slow, np.minimum(walk, cap * walk_factor), walk)
    barrier = close_corners(barrier)

    roads = network.roads
    road_kmh = np.array(
        [
            speeds.road(h, s if isinstance(s, str) else None, season)
            for h, s in zip(roads["highway"], roads["surface"], strict=True)
        ],
        dtype=float,
    )
    open_ = road_kmh > 0
    road_geoms = roads["geometry"].to_numpy(dtype=object)
    road = _burn(grid, road_geoms[open_], road_kmh[open_]).astype(np.float64)
    bridges = roads["bridge"].astype(bool).to_numpy() & open_
    under_bridge = _burn(grid, road_geoms[bridges], road_kmh[bridges]).astype(np.float64)

    kmh = np.maximum(walk, road)
    opened = _open_crossings(grid, network.crossings, season, barrier, land, road)
    opened = np.maximum(opened, np.where(barrier, under_bridge, 0.0))
    kmh = np.where(barrier, opened, kmh)
    with np.errstate(divide="ignore"):
        return np.where(kmh > 0, S.friction_of(np.where(kmh > 0, kmh, 1.0)), np.inf)
