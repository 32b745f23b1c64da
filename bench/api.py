"""Feature serving against tipg (issue 13, item 4): peacemap's OGC items and
``/api/v1`` lists and tipg's items, on the same database, in the same run,
one server process each (uvicorn, one worker), measured with wrk.

Cases (each URL drawn from seeded random boxes inside the incidents'
extent, so neither server answers one cached query):

- a 0.2° bbox, 100-feature page, at 1 and 16 connections;
- a 1° bbox, 1 000-feature page, at 1 and 16 connections;
- GDAL's OAPIF driver reading the whole incidents collection (pages of
  1 000), and a quarter and a half of it: the time per row at each depth
  says whether the read is linear (keyset cursors) or not (offset paging).

wrk (Debian's package) is the load generator: a C client that takes far
less CPU than the servers it loads, which matters on 2 cores; this script
installs it with apt-get when it is missing (root). tipg comes from the
``bench`` extra (``pip install -e '.[bench]'``).

    .venv/bin/python bench/api.py [--scale 0.1] [--duration 15] [--fresh]

The demo at ``--scale`` (1 = reference scale: 1 000 000 incidents) is loaded
once into ``$PEACEMAP_BENCH_DIR`` (default ``/tmp/pm-bench-api``) and reused.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from pathlib import Path

import httpx
import pyogrio

# This script shares its name with the ``api`` package: look packages up from
# the repository root first, then bench/ (peacemap's modules are imported in
# the functions below, after this).
HERE = Path(__file__).resolve().parent
sys.path[0:1] = [str(HERE.parent), str(HERE)]

print = functools.partial(print, flush=True)  # progress shows at once


def check_same_answers(peacemap: str, tipg: str, box: str, limit: int) -> None:
    from peers import TIPG_COLLECTION

    """Both servers return the same matched count for a box (so they do the same work)."""
    ours = httpx.get(f"{peacemap}/ogc/collections/incidents/items", params={"bbox": box, "limit": limit}).json()
    theirs = httpx.get(f"{tipg}/collections/{TIPG_COLLECTION}/items", params={"bbox": box, "limit": limit}).json()
    if ours["numberMatched"] != theirs["numberMatched"] or ours["numberReturned"] != theirs["numberReturned"]:
        sys.exit(f"the servers disagree on {box}: {ours['numberMatched']} vs {theirs['numberMatched']}")


def gdal_read(url: str, layer: str, rows: int | None) -> tuple[int, float]:
    t = time.perf_counter()
    n = len(pyogrio.read_dataframe(url, layer=layer, max_features=rows, read_geometry=True))
    return n, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--duration", type=int, default=15, help="seconds of wrk per case")
    ap.add_argument("--fresh", action="store_true", help="reload the demo")
    ap.add_argument("--skip-gdal", action="store_true")
    ap.add_argument(
        "--gdal-rows", type=int, default=None, help="read at most this many rows with GDAL (default: the collection)"
    )
    ap.add_argument(
        "--gdal-servers",
        default="peacemap,tipg",
        help="whose full read to time (tipg's OFFSET paging makes a full read of 1 M rows take hours)",
    )
    args = ap.parse_args()
    from peers import TIPG_COLLECTION, TipgServer, boxes, ensure_tipg, ensure_wrk, incidents_extent, load, wrk

    from api.live import ChildServer

    ensure_tipg()
    binary = ensure_wrk()
    url = load(args.scale, args.fresh)
    extent, total = incidents_extent(url)
    load_avg = os.getloadavg()[0]
    print(f"peacemap vs tipg — scale {args.scale:g}: {total:,} incidents; ", end="")
    print(f"load average {load_avg:.1f}; wrk {args.duration} s")
    # No analysis warm-up in the server under test: at scale 1 it takes a core for seconds after the
    # start, during the first case, and it is not part of serving features (tipg has none).
    ours, theirs = ChildServer(url, env={"PEACEMAP_WARM_ANALYSIS": "false"}), TipgServer(url)
    try:
        rows = []
        for size, limit in ((0.2, 100), (1.0, 1000)):
            sample = boxes(extent, size, 200, seed=int(size * 10))
            check_same_answers(ours.url, theirs.url, sample[0], limit)
            paths = {
                "peacemap OGC": [f"/ogc/collections/incidents/items?bbox={b}&limit={limit}" for b in sample],
                "peacemap /api/v1": [f"/api/v1/incidents?bbox={b}&limit={limit}" for b in sample],
                "tipg": [f"/collections/{TIPG_COLLECTION}/items?bbox={b}&limit={limit}" for b in sample],
            }
            for connections in (1, 16):
                base = {"tipg": theirs.url}
                rate = {
                    name: wrk(binary, base.get(name, ours.url), p, connections, args.duration)
                    for name, p in paths.items()
                }
                case = f"{size:g}° bbox, {limit} features, {connections} conn. (load {os.getloadavg()[0]:.1f})"
                rows.append((case, rate))
                print(
                    f"{case}: peacemap OGC {rate['peacemap OGC']:.1f} req/s "
                    f"({rate['peacemap OGC'] / rate['tipg']:.2f}× tipg), /api/v1 {rate['peacemap /api/v1']:.1f} "
                    f"({rate['peacemap /api/v1'] / rate['tipg']:.2f}×), tipg {rate['tipg']:.1f}"
                )
        if not args.skip_gdal:
            whole = min(total, args.gdal_rows or total)
            print(f"GDAL OAPIF read of {whole:,} incidents (pages of 1 000), time per 1 000 rows at each depth:")
            readers = (
                ("peacemap", f"OAPIF:{ours.url}/ogc", "incidents"),
                ("tipg", f"OAPIF:{theirs.url}", TIPG_COLLECTION),
            )
            for name, src, layer in (r for r in readers if r[0] in args.gdal_servers.split(",")):
                parts = []
                for share in (0.25, 0.5, 1.0):
                    n, took = gdal_read(src, layer, None if share == 1.0 and whole == total else int(whole * share))
                    parts.append(f"{n:,} rows {took:.1f} s ({1000 * took / max(n, 1):.2f} s/1k)")
                print(f"  {name}: " + "; ".join(parts))
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        ours.close()
        theirs.close()


if __name__ == "__main__":
    main()
