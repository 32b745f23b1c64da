"""Vector tiles against tipg (issue 13, item 5): tiles per second of the
incidents layer at zooms 6 to 10, peacemap's ``/tiles/incidents/{z}/{x}/{y}.mvt``
and tipg's ``/collections/public.incidents/tiles/WebMercatorQuad/{z}/{x}/{y}``,
on the same database in the same run, one server process each, measured with
wrk over the tiles that cover the incidents' extent (every tile of the zoom,
or a seeded sample of 300 where there are more).

tipg stops at 10 000 features a tile (``TIPG_MAX_FEATURES_PER_TILE``);
peacemap draws every feature, so where a tile holds more, peacemap's tile is
the larger and this script says how many tiles were capped by tipg.

    .venv/bin/python bench/tiles.py [--scale 0.1] [--duration 10] [--connections 8]
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import random
import sys
from pathlib import Path

from sqlalchemy import func, select

# bench/api.py shares its name with the ``api`` package: look packages up from
# the repository root first, then bench/.
HERE = Path(__file__).resolve().parent
sys.path[0:1] = [str(HERE.parent), str(HERE)]

print = functools.partial(print, flush=True)  # progress shows at once
ZOOMS = range(6, 11)
SAMPLE = 300


def tile_range(extent, z: int) -> list[tuple[int, int]]:
    minx, miny, maxx, maxy = extent
    n = 2**z

    def col(lon: float) -> int:
        return min(n - 1, int((lon + 180) / 360 * n))

    def row(lat: float) -> int:
        return min(n - 1, int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))

    return [(x, y) for x in range(col(minx), col(maxx) + 1) for y in range(row(maxy), row(miny) + 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()
    from peers import TIPG_COLLECTION, TipgServer, ensure_tipg, ensure_wrk, load, wrk

    from api.live import ChildServer
    from geo.db import make_engine
    from geo.models import Incident

    ensure_tipg()
    binary = ensure_wrk()
    url = load(args.scale, fresh=False)
    engine = make_engine(url)
    with engine.connect() as conn:
        box = func.ST_Extent(Incident.geom)
        extent = conn.execute(select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box))).one()
        total = conn.scalar(select(func.count()).select_from(Incident)) or 0
    engine.dispose()
    print(
        f"vector tiles, peacemap vs tipg — scale {args.scale:g}: {total:,} incidents; "
        f"load average {os.getloadavg()[0]:.1f}; wrk {args.duration} s, {args.connections} connections"
    )
    ours, theirs = ChildServer(url), TipgServer(url)
    try:
        import httpx

        for z in ZOOMS:
            tiles = tile_range(extent, z)
            if len(tiles) > SAMPLE:
                tiles = random.Random(z).sample(tiles, SAMPLE)
            mine = [f"/tiles/incidents/{z}/{x}/{y}.mvt" for x, y in tiles]
            peer = [f"/collections/{TIPG_COLLECTION}/tiles/WebMercatorQuad/{z}/{x}/{y}" for x, y in tiles]
            size_ours = sum(len(httpx.get(ours.url + p).content) for p in mine[:20])
            size_theirs = sum(len(httpx.get(theirs.url + p).content) for p in peer[:20])
            a = wrk(binary, ours.url, mine, args.connections, args.duration)
            b = wrk(binary, theirs.url, peer, args.connections, args.duration)
            print(
                f"z{z}: {len(tiles)} tiles; peacemap {a:.1f} tiles/s, tipg {b:.1f} tiles/s ({a / b:.2f}×); "
                f"bytes of the first 20 tiles {size_ours:,} vs {size_theirs:,}"
            )
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        ours.close()
        theirs.close()


if __name__ == "__main__":
    main()
