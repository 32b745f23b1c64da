"""Feature serving against tipg (issue 13, item 4): peacemap's OGC items and
``/api/v1`` lists and tipg's items, on the same database, in the same run,
one server process each (uvicorn, one worker), measured with wrk.

Cases (each URL drawn from seeded random boxes inside the incidents'
extent, so neither server answers one cached query; ``--cases`` and
``--connections`` choose among them):

- a 0.2° bbox, 100-feature page, at 1 and 16 connections;
- a 1° bbox, 1 000-feature page, at 1 and 16 connections;
- GDAL's OAPIF driver reading the whole incidents collection (pages of
  1 000), and a quarter and a half of it: the time per row at each depth
  says whether the read is linear (keyset cursors) or not (offset paging).

wrk (Debian's package) is the load generator: a C client that takes far
less CPU than the servers it loads, which matters on 2 cores; this script
installs it with apt-get when it is missing (root). tipg comes from the
``bench`` extra (``pip install -e '.[bench]'``).

``--rounds N`` runs wrk N times per case and server, the servers in turn
and the order reversed each round, so a drift of the machine's load (two
shared cores) falls on all of them; each round's ratios are printed with the
load, then the mean rates and the lowest round's ratio. ``--baseline DIR``
adds peacemap served from another checkout (``git worktree add DIR main``)
in the same run.

    .venv/bin/python bench/api.py [--scale 0.1] [--duration 15] [--rounds 1] [--cases small,large]
        [--connections 1,16] [--baseline DIR] [--skip-gdal] [--fresh]

The demo at ``--scale`` (1 = reference scale: 1 000 000 incidents) is loaded
once into ``$PEACEMAP_BENCH_DIR`` (default ``/tmp/pm-bench-api``) and reused.
"""

from __future__ import annotations

import argparse
import functools
import math
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
    """Both servers return the same matched count for a box (so they do the same work)."""
    from peers import TIPG_COLLECTION

    ours = httpx.get(f"{peacemap}/ogc/collections/incidents/items", params={"bbox": box, "limit": limit}).json()
    theirs = httpx.get(f"{tipg}/collections/{TIPG_COLLECTION}/items", params={"bbox": box, "limit": limit}).json()
    if ours["numberMatched"] != theirs["numberMatched"] or ours["numberReturned"] != theirs["numberReturned"]:
        sys.exit(f"the servers disagree on {box}: {ours['numberMatched']} vs {theirs['numberMatched']}")


def gdal_read(url: str, layer: str, rows: int | None) -> tuple[int, float]:
    t = time.perf_counter()
    n = len(pyogrio.read_dataframe(url, layer=layer, max_features=rows, read_geometry=True))
    return n, time.perf_counter() - t


CASES = {"small": (0.2, 100), "large": (1.0, 1000)}  # bbox size in degrees, page size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--duration", type=int, default=15, help="seconds of wrk per case, server and round")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of wrk per case, the servers interleaved")
    ap.add_argument("--cases", default="small,large", help="which pages: small (0.2°, 100), large (1°, 1 000)")
    ap.add_argument("--connections", default="1,16", help="the wrk connection counts to measure")
    ap.add_argument("--baseline", type=Path, help="another checkout whose peacemap is measured in the same run")
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
    from peers import TIPG_COLLECTION, TipgServer, boxes, clustered, ensure_tipg, ensure_wrk, incidents_extent, load

    from api.live import ChildServer

    ensure_tipg()
    binary = ensure_wrk()
    url = load(args.scale, args.fresh)
    extent, total = incidents_extent(url)
    order = "ordered by space (peacemap maintain)" if clustered(url) else "in load order (not maintained)"
    print(f"peacemap vs tipg — scale {args.scale:g}: {total:,} incidents {order}; ", end="")
    print(f"load average {os.getloadavg()[0]:.1f}; ", end="")
    print(f"wrk {args.duration} s × {args.rounds} round(s) per case and server, the servers in turn")
    # No analysis warm-up in the server under test: at scale 1 it takes a core for seconds after the
    # start, during the first case, and it is not part of serving features (tipg has none).
    quiet = {"PEACEMAP_WARM_ANALYSIS": "false"}
    servers = {"peacemap": ChildServer(url, env=quiet), "tipg": TipgServer(url)}
    if args.baseline:
        servers["baseline"] = ChildServer(url, env=quiet, root=args.baseline)
    try:
        for name in args.cases.split(","):
            size, limit = CASES[name]
            sample = boxes(extent, size, 200, seed=int(size * 10))
            check_same_answers(servers["peacemap"].url, servers["tipg"].url, sample[0], limit)
            ogc = [f"/ogc/collections/incidents/items?bbox={b}&limit={limit}" for b in sample]
            listed = [f"/api/v1/incidents?bbox={b}&limit={limit}" for b in sample]
            paths = {
                "OGC": ("peacemap", ogc),
                "/api/v1": ("peacemap", listed),
                "tipg": ("tipg", [f"/collections/{TIPG_COLLECTION}/items?bbox={b}&limit={limit}" for b in sample]),
            }
            if args.baseline:
                paths |= {"base OGC": ("baseline", ogc), "base /api/v1": ("baseline", listed)}
            for connections in map(int, args.connections.split(",")):
                case = f"{size:g}° bbox, {limit} features, {connections} conn."
                measure(binary, servers, paths, case, connections, args.duration, args.rounds)
        if not args.skip_gdal:
            gdal_reads(servers, total, args)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        for server in servers.values():
            server.close()


def measure(binary: str, servers, paths, case: str, connections: int, duration: int, rounds: int) -> None:
    """wrk on each of ``paths`` ``rounds`` times, the servers in turn and the
    order reversed each round (a drift of the machine's load falls on all of
    them alike); prints each round's rates, its ratios to tipg and the load,
    then the mean rates and the smallest ratio of any round."""
    from peers import wrk

    rates: dict[str, list[float]] = {k: [] for k in paths}
    for r in range(rounds):
        for k in list(paths)[:: -1 if r % 2 else 1]:
            server, urls = paths[k]
            rates[k].append(wrk(binary, servers[server].url, urls, connections, duration))
        if rounds > 1:
            last = ratios({k: v[-1] for k, v in rates.items()})
            print(f"  {case} round {r + 1}: {last} (load {os.getloadavg()[0]:.1f})")
    mean = {k: sum(v) / len(v) for k, v in rates.items()}
    worst = {k: min(map(_ratio, v, rates["tipg"])) for k, v in rates.items() if k != "tipg"}
    low = ", ".join(f"{k} {w:.2f}×" for k, w in worst.items())
    print(f"{case}: {ratios(mean)}; lowest round: {low} (load {os.getloadavg()[0]:.1f})")


def _ratio(ours: float, theirs: float) -> float:
    return ours / theirs if theirs else math.inf


def ratios(rate: dict[str, float]) -> str:
    """``rate`` (requests/s by path set) with each one's ratio to tipg's."""
    return ", ".join(
        f"{k} {v:.1f} req/s" + ("" if k == "tipg" else f" ({_ratio(v, rate['tipg']):.2f}× tipg)")
        for k, v in rate.items()
    )


def gdal_reads(servers, total: int, args) -> None:
    from peers import TIPG_COLLECTION

    whole = min(total, args.gdal_rows or total)
    print(f"GDAL OAPIF read of {whole:,} incidents (pages of 1 000), time per 1 000 rows at each depth:")
    readers = (
        ("peacemap", f"OAPIF:{servers['peacemap'].url}/ogc", "incidents"),
        ("tipg", f"OAPIF:{servers['tipg'].url}", TIPG_COLLECTION),
    )
    for name, src, layer in (r for r in readers if r[0] in args.gdal_servers.split(",")):
        parts = []
        for share in (0.25, 0.5, 1.0):
            n, took = gdal_read(src, layer, None if share == 1.0 and whole == total else int(whole * share))
            parts.append(f"{n:,} rows {took:.1f} s ({1000 * took / max(n, 1):.2f} s/1k)")
        print(f"  {name}: " + "; ".join(parts) + f" (load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
