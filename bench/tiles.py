"""Vector tiles against tipg (issue 13, item 5): tiles per second of the
incidents layer at zooms 6 to 10, peacemap's ``/tiles/incidents/{z}/{x}/{y}.mvt``
and tipg's ``/collections/public.incidents/tiles/WebMercatorQuad/{z}/{x}/{y}``,
on the same database in the same run, one server process each, measured with
wrk over the tiles that cover the incidents' extent (every tile of the zoom,
or a seeded sample of 300 where there are more).

Four servers, so that the cold figure is honest and the comparison like with
like:

* peacemap **cold**: its tile cache off (``PEACEMAP_TILE_CACHE_MB=0``), so
  every request makes its tile — what the first request of each tile costs
  (from the incidents kept in memory, ``geo.serving.point_tiles``, once the
  server has read them: ``--settle`` seconds after its first tile);
* peacemap **warm**: as deployed (the cache on), so a repeated tile costs one
  query of its data version;
* tipg **same work**: tipg with its 10 000-feature cap lifted
  (``TIPG_MAX_FEATURES_PER_TILE``) and ``?properties=`` asking for exactly the
  properties peacemap's tile carries at that zoom, so both encode the same
  features with the same properties (checked on the first tiles by decoding
  both with mapbox-vector-tile);
* tipg **as deployed**: its defaults — at most 10 000 features a tile, every
  column as a property.

The analysis warm-up is off in peacemap's servers (it is not part of a tile
and would take the cores during the first seconds).

``--baseline DIR`` adds peacemap cold and warm served from another checkout
(e.g. ``git archive <commit> | tar -x -C DIR``), in the same run, so that a
change is measured against the code before it under the same load;
``--rounds N`` runs wrk N times per server, the servers in turn and the order
reversed each round, so a drift of the machine's load falls on all of them.

    .venv/bin/python bench/tiles.py [--scale 0.1] [--duration 8] [--connections 8] [--rounds 1] [--baseline DIR]
        [--zooms 6,7,8,9,10] [--settle 10]
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import random
import sys
import time
from pathlib import Path

# bench/api.py shares its name with the ``api`` package: look packages up from
# the repository root first, then bench/.
HERE = Path(__file__).resolve().parent
sys.path[0:1] = [str(HERE.parent), str(HERE)]

print = functools.partial(print, flush=True)  # progress shows at once
SAMPLE = 300


def tile_range(extent, z: int) -> list[tuple[int, int]]:
    minx, miny, maxx, maxy = extent
    n = 2**z

    def col(lon: float) -> int:
        return min(n - 1, int((lon + 180) / 360 * n))

    def row(lat: float) -> int:
        return min(n - 1, int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))

    return [(x, y) for x in range(col(minx), col(maxx) + 1) for y in range(row(maxy), row(miny) + 1)]


def features(data: bytes) -> int:
    """Point features inside the tile proper (not in the buffer beyond its edges, which peacemap
    fills and tipg does not, nor on the edge pixels) in an MVT, decoded by mapbox-vector-tile,
    not by the servers under test."""
    import mapbox_vector_tile

    n = 0
    for layer in mapbox_vector_tile.decode(data).values():
        extent = layer["extent"]
        for f in layer["features"]:
            x, y = f["geometry"]["coordinates"]
            n += 0 < x < extent and 0 < y < extent  # off the edge pixels, where the two round differently
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=1, help="rounds of wrk per server, interleaved (the load drifts)")
    ap.add_argument("--zooms", default="6,7,8,9,10", help="the zooms to measure, comma-separated")
    ap.add_argument("--settle", type=float, default=10, help="seconds for the servers to read the layer at the start")
    ap.add_argument("--baseline", type=Path, help="another checkout whose peacemap is measured in the same run")
    args = ap.parse_args()
    import httpx
    from peers import TIPG_COLLECTION, TipgServer, ensure_tipg, ensure_wrk, incidents_extent, load, wrk

    from api.live import ChildServer
    from geo.serving.tiles import TILES

    ensure_tipg()
    binary = ensure_wrk()
    url = load(args.scale, fresh=False)
    extent, total = incidents_extent(url)
    print(
        f"vector tiles, peacemap vs tipg — scale {args.scale:g}: {total:,} incidents; "
        f"load average {os.getloadavg()[0]:.1f}; wrk {args.duration} s × {args.rounds} rounds, "
        f"{args.connections} connections"
    )
    quiet = {"PEACEMAP_WARM_ANALYSIS": "false"}
    uncached = {**quiet, "PEACEMAP_TILE_CACHE_MB": "0"}
    servers = {
        "cold": ChildServer(url, env=uncached),
        "warm": ChildServer(url, env=quiet),
        "tipg": TipgServer(url, env={"TIPG_MAX_FEATURES_PER_TILE": str(10**8)}),
        "tipg_deployed": TipgServer(url),
    }
    if args.baseline:
        servers["base_cold"] = ChildServer(url, env=uncached, root=args.baseline)
        servers["base_warm"] = ChildServer(url, env=quiet, root=args.baseline)
    try:
        rows = []
        zooms = [int(z) for z in args.zooms.split(",")]
        for z in zooms:
            tiles = tile_range(extent, z)
            if len(tiles) > SAMPLE:
                tiles = random.Random(z).sample(tiles, SAMPLE)
            names = TILES["incidents"].names(z) or ()
            same = "properties=" + ",".join(["id", *names])
            paths = {
                "cold": [f"/tiles/incidents/{z}/{x}/{y}.mvt" for x, y in tiles],
                "tipg": [f"/collections/{TIPG_COLLECTION}/tiles/WebMercatorQuad/{z}/{x}/{y}?{same}" for x, y in tiles],
                "tipg_deployed": [
                    f"/collections/{TIPG_COLLECTION}/tiles/WebMercatorQuad/{z}/{x}/{y}" for x, y in tiles
                ],
            }
            for k in ("warm", "base_cold", "base_warm"):
                if k in servers:
                    paths[k] = paths["cold"]
            if z == zooms[0]:  # peacemap reads the incidents into memory at its first tile, in the background
                for k in servers:
                    httpx.get(servers[k].url + paths[k][0], timeout=120)
                time.sleep(args.settle)
            first = {k: [httpx.get(servers[k].url + p, timeout=120).content for p in v[:20]] for k, v in paths.items()}
            counts = {k: [features(t) for t in v] for k, v in first.items()}
            if any(counts["cold"] != counts[k] for k in counts if k != "tipg_deployed"):
                sys.exit(f"z{z}: the servers' tiles hold different features: {counts}")
            capped = sum(c > n for c, n in zip(counts["cold"], counts["tipg_deployed"], strict=True))
            rate = dict.fromkeys(paths, 0.0)
            for r in range(args.rounds):  # the servers in turn, the order reversed each round
                for k in list(paths)[:: -1 if r % 2 else 1]:
                    rate[k] += wrk(binary, servers[k].url, paths[k], args.connections, args.duration) / args.rounds
            size = {k: sum(map(len, v)) for k, v in first.items()}
            rows.append((z, len(tiles), rate, os.getloadavg()[0]))
            print(
                f"z{z}: {len(tiles)} tiles ({sum(counts['cold']):,} features in the first {len(first['cold'])}); "
                f"peacemap cold {rate['cold']:.1f} tiles/s, warm {rate['warm']:.1f}; "
                f"tipg same work {rate['tipg']:.1f}, as deployed {rate['tipg_deployed']:.1f} "
                f"({capped} of those tiles capped at 10 000); "
                f"cold/tipg {rate['cold'] / rate['tipg']:.2f}×, cold/tipg as deployed "
                f"{rate['cold'] / rate['tipg_deployed']:.2f}×, warm/tipg {rate['warm'] / rate['tipg']:.2f}×; "
                f"bytes {size['cold']:,} vs {size['tipg']:,} (same work) vs {size['tipg_deployed']:,} (as deployed); "
                f"load {os.getloadavg()[0]:.1f}"
            )
            if "base_cold" in rate:
                print(
                    f"z{z} baseline ({args.baseline}): cold {rate['base_cold']:.1f} tiles/s "
                    f"({rate['base_cold'] / rate['tipg']:.2f}× tipg same work), warm {rate['base_warm']:.1f} "
                    f"({rate['base_warm'] / rate['tipg']:.2f}×); this change: cold "
                    f"{rate['cold'] / rate['base_cold']:.2f}× the baseline, "
                    f"warm {rate['warm'] / rate['base_warm']:.2f}×"
                )
        base = "base_cold" in servers
        extra = " base cold | base warm | cold ÷ base | warm ÷ base |" if base else ""
        print(
            "\n| zoom | tiles | peacemap cold | peacemap warm | tipg same work | tipg as deployed | cold ÷ same work "
            f"| cold ÷ as deployed | warm ÷ same work |{extra} load |"
        )
        print("|---" * (14 if base else 10) + "|")
        for z, n, rate, load_now in rows:
            r = {k: f"{v:.1f}" for k, v in rate.items()}
            more = ""
            if base:
                more = (
                    f" {r['base_cold']} | {r['base_warm']} | {rate['cold'] / rate['base_cold']:.2f}× "
                    f"| {rate['warm'] / rate['base_warm']:.2f}× |"
                )
            print(
                f"| {z} | {n} | {r['cold']} | {r['warm']} | {r['tipg']} | {r['tipg_deployed']} "
                f"| {rate['cold'] / rate['tipg']:.2f}× | {rate['cold'] / rate['tipg_deployed']:.2f}× "
                f"| {rate['warm'] / rate['tipg']:.2f}× |{more} {load_now:.1f} |"
            )
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        for server in servers.values():
            server.close()


if __name__ == "__main__":
    main()
