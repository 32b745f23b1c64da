"""Reach benchmark (issue 10): the friction surface of the whole demo mission
area (about 900 × 500 km, grown by 25 km: ≈ 990 × 780 cells at 1 km) built
from the demo's roads, the shipped Natural Earth rivers, the crossings and
the MODIS land cover, at 1 km and 250 m; travel time from 40 mission sites
over it with peacemap's cost distance (``skimage.graph.MCP_Geometric`` +
pointer jumping, :mod:`geo.reach.travel`) against the independent baseline
of the same run (scipy's Dijkstra on the 8-connected graph,
:mod:`geo.reach.baseline`), with the largest relative difference between
the two.

Each phase runs in a fresh interpreter (``spawn``), so its peak resident
memory is its own (imports included). Targets: 1 km from 40 sites ≤ 3 s,
equal to the baseline within 0.1 %, memory ≤ 1 GB.

    .venv/bin/python bench/reach.py [--cells 1000,250] [--sites 40] [--skip-baseline-below 500]
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORK = Path("/tmp/pm-bench-reach")
END = date(2026, 1, 15)  # a dry-season day
print = functools.partial(print, flush=True)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(cell: float, n_sites: int) -> dict:
    """The demo's ground on the mission grid; times the friction surface only."""
    from rasterio.enums import Resampling

    from geo.demo import generate
    from geo.demo.places import sites
    from geo.demo.roads import LANDCOVER_FILE, rivers
    from geo.demo.towns import MISSION_AREA
    from geo.rasters.grid import read_on_grid
    from geo.reach.friction import Network, build_friction
    from geo.reach.grid import metric_grid, to_grid_xy
    from geo.reach.travel import snap_starts

    scenario = generate(seed=7, end=END)
    grid = metric_grid(MISSION_AREA.bounds, cell, margin_m=25_000.0)
    roads = scenario.roads.rename_geometry("geometry")
    network = Network(
        roads=roads[["geometry", "highway", "surface", "bridge"]],
        waterways=rivers().rename_geometry("geometry")[["geometry", "kind", "seasonal"]],
        crossings=scenario.crossings.assign(lon=scenario.crossings.geometry.x, lat=scenario.crossings.geometry.y)[
            ["lon", "lat", "kind", "seasonal"]
        ],
    )
    t0 = time.perf_counter()
    landcover = read_on_grid(LANDCOVER_FILE, grid, Resampling.nearest)
    friction = build_friction(grid, network, "dry", landcover=landcover)
    seconds = time.perf_counter() - t0
    site = sites(np.random.default_rng(7), n_sites, END)
    x, y = to_grid_xy(grid, site.geometry.x, site.geometry.y)
    r, c, inside = grid.cell_of(x, y)
    r, c, usable = snap_starts(friction, r, c)
    keep = inside & usable
    np.save(WORK / f"friction-{int(cell)}.npy", friction)
    np.save(WORK / f"starts-{int(cell)}.npy", np.column_stack([r[keep], c[keep]]))
    return {
        "seconds": seconds,
        "shape": friction.shape,
        "sites": int(keep.sum()),
        "roads": len(roads),
        "crossings": len(scenario.crossings),
        "barrier_cells": int((~np.isfinite(friction)).sum()),
        "peak_mb": _peak_mb(),
    }


def ours(cell: float) -> dict:
    from geo.reach.travel import cost_distance

    friction = np.load(WORK / f"friction-{int(cell)}.npy")
    starts = np.load(WORK / f"starts-{int(cell)}.npy")
    t0 = time.perf_counter()
    minutes, _start = cost_distance(friction, cell, starts[:, 0], starts[:, 1])
    seconds = time.perf_counter() - t0
    np.save(WORK / f"ours-{int(cell)}.npy", minutes)
    return {"seconds": seconds, "peak_mb": _peak_mb(), "reached": int(np.isfinite(minutes).sum())}


def baseline(cell: float) -> dict:
    from geo.reach.baseline import reference_minutes

    friction = np.load(WORK / f"friction-{int(cell)}.npy")
    starts = np.load(WORK / f"starts-{int(cell)}.npy")
    t0 = time.perf_counter()
    minutes, _ = reference_minutes(friction, cell, starts[:, 0], starts[:, 1])
    seconds = time.perf_counter() - t0
    np.save(WORK / f"baseline-{int(cell)}.npy", minutes)
    return {"seconds": seconds, "peak_mb": _peak_mb()}


def _child(fn, queue, *args) -> None:
    queue.put(fn(*args))


def run(fn, *args) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    p = ctx.Process(target=_child, args=(fn, queue, *args))
    p.start()
    out = queue.get()
    p.join()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cells", default="1000,250", help="cell sizes in metres, comma-separated")
    ap.add_argument("--sites", type=int, default=40)
    ap.add_argument(
        "--skip-baseline-below", type=float, default=0.0, help="no scipy baseline for cells smaller than this"
    )
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"# {platform.node()} · {os.cpu_count()} cores · load {os.getloadavg()[0]:.1f} · {date.today()}")
    for cell in (float(c) for c in args.cells.split(",")):
        b = run(build, cell, args.sites)
        print(
            f"{cell:g} m grid {b['shape'][1]} × {b['shape'][0]} ({b['shape'][0] * b['shape'][1] / 1e6:.2f} M cells), "
            f"{b['roads']} roads, {b['crossings']} crossings, {b['barrier_cells']} barrier cells: "
            f"friction surface {b['seconds']:.2f} s, peak {b['peak_mb']:.0f} MB"
        )
        o = run(ours, cell)
        print(
            f"  peacemap (MCP_Geometric + pointer jumping) from {b['sites']} sites: {o['seconds']:.2f} s, "
            f"peak {o['peak_mb']:.0f} MB, {o['reached']} cells reached   [load {os.getloadavg()[0]:.1f}]"
        )
        if cell < args.skip_baseline_below:
            continue
        r = run(baseline, cell)
        mine = np.load(WORK / f"ours-{int(cell)}.npy")
        ref = np.load(WORK / f"baseline-{int(cell)}.npy")
        same = np.array_equal(np.isfinite(mine), np.isfinite(ref))
        fin = np.isfinite(ref) & (ref > 0)
        worst = float(np.max(np.abs(mine[fin] - ref[fin]) / ref[fin])) if fin.any() else 0.0
        print(
            f"  baseline (scipy dijkstra, 8-connected graph): {r['seconds']:.2f} s, peak {r['peak_mb']:.0f} MB; "
            f"{r['seconds'] / o['seconds']:.1f}× peacemap's time; same cells reached: {same}; "
            f"largest relative difference {worst:.2e}   [load {os.getloadavg()[0]:.1f}]"
        )
        if not same or worst > 1e-3:
            sys.exit("peacemap and the baseline disagree")


if __name__ == "__main__":
    main()
