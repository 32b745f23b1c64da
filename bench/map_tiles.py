"""/map draws every incident at wide zoom from vector tiles (issue 13, item 5),
checked in headless Chromium on the demo at ``--scale`` (1 = reference scale).

Opens ``/map`` with the incidents layer over the whole mission (the view of
the incidents' extent: zoom 6–7) and prints the time to the first draw of the
tiled layer, then checks what was drawn against two references independent of
the browser and of PostGIS's encoder:

* per loaded tile, the features VectorGrid holds (their ids) against the same
  tile fetched here and decoded by mapbox-vector-tile, and against SQL's count
  of the window's incidents inside the tile and its buffer;
* over the view, SQL's count of the window's incidents inside the map's
  bounds against the distinct ids drawn there, and the layer's "in view" count.

    PEACEMAP_BENCH_DIR=/tmp/pm-bench-api .venv/bin/python bench/map_tiles.py [--scale 1]

The database is bench/api.py's (``bench_api_<scale>`` under PEACEMAP_BENCH_DIR),
built on first use.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[0:1] = [str(HERE.parent), str(HERE)]  # as bench/tiles.py: the api package before bench/api.py

print = functools.partial(print, flush=True)
PROBE = """
(function () {
  var t = (window.pmTiles = { start: performance.now(), drawn: null, tiles: null, error: null });
  document.addEventListener("peacemap:layerload", function (e) {
    if (e.detail.key === "incidents" && t.drawn === null) { t.drawn = performance.now(); t.tiles = e.detail.tiles; }
  });
  document.addEventListener("peacemap:layererror", function (e) { t.error = e.detail.error; });
})();
"""
DRAWN = """() => {
  const t = peacemap.layers.incidents.tiles, out = {};
  for (const key in t._tiles) out[key] = Object.keys(t._vectorTiles[key]._features).map(Number);
  return out;
}"""


def tile_bounds(key: str, grow: float) -> tuple[float, float, float, float]:
    """A VectorGrid tile key ``x:y:z``, grown by ``grow`` tile widths, as lon/lat bounds."""
    x, y, z = (int(v) for v in key.split(":"))
    n = 2**z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return (x - grow) / n * 360 - 180, lat(y + 1 + grow), (x + 1 + grow) / n * 360 - 180, lat(y - grow)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--timeout", type=float, default=600, help="seconds to wait for the tiles to be drawn")
    args = ap.parse_args()
    import httpx
    import mapbox_vector_tile
    from peers import load
    from playwright.sync_api import sync_playwright
    from sqlalchemy import text

    from api.live import CHROMIUM, CHROMIUM_ARGS, ChildServer
    from geo.db import make_engine
    from geo.serving.tiles import BUFFER, EXTENT

    url = load(args.scale, fresh=False)
    engine = make_engine(url)
    with engine.connect() as conn:
        end, *extent = conn.execute(
            text(
                "SELECT max(occurred_on), min(ST_X(geom)), min(ST_Y(geom)), max(ST_X(geom)), max(ST_Y(geom))"
                " FROM incidents"
            )
        ).one()
    print(f"/map, incidents from vector tiles — scale {args.scale:g}; load average {os.getloadavg()[0]:.1f}")
    server = ChildServer(url)
    bbox = ",".join(f"{v:.4f}" for v in extent)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tiles_fetched: list[str] = []
            arrived: list[float] = []  # when each tile's response ended, epoch ms
            asked: list[float] = []  # when each tile was asked for, epoch ms
            address = f"{server.url}/map?end={end.isoformat()}&layers=incidents&bbox={bbox}"
            firsts = []
            for _visit in ("cold", "warm"):  # the server's tile cache empty, then holding the same tiles
                page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()  # no browser cache
                page.add_init_script(PROBE)
                page.on("requestfinished", lambda r: tiles_fetched.append(r.url) if ".mvt" in r.url else None)
                page.on(
                    "requestfinished",
                    lambda r: (
                        arrived.append(r.timing["startTime"] + r.timing["responseEnd"]) if ".mvt" in r.url else None
                    ),
                )
                page.on("requestfinished", lambda r: asked.append(r.timing["startTime"]) if ".mvt" in r.url else None)
                arrived.clear()
                asked.clear()
                started_ms = time.time() * 1000
                t0 = time.perf_counter()
                page.goto(address)
                page.wait_for_function(
                    "() => pmTiles.drawn !== null || pmTiles.error !== null", timeout=args.timeout * 1000
                )
                wall = time.perf_counter() - t0
                state = page.evaluate("() => [pmTiles.drawn - pmTiles.start, pmTiles.error, pmTiles.tiles]")
                if state[1] is not None:
                    sys.exit(f"the incidents layer failed: {state[1]}")
                if not state[2]:
                    n = page.evaluate("() => peacemap.layers.incidents.matched")
                    sys.exit(f"{n:,} incidents in view, within the layer's limit: drawn as GeoJSON, not from tiles")
                firsts.append(
                    (state[0] / 1000, wall, (min(asked) - started_ms) / 1000, (max(arrived) - started_ms) / 1000)
                )
            zoom = page.evaluate("() => peacemap.layers.incidents.group._map.getZoom()")
            drawn = page.evaluate(DRAWN)
            window = page.evaluate("() => peacemap.layers.incidents.spec.params")
            view = page.evaluate(
                "() => peacemap.layers.incidents.group._map.getBounds().toBBoxString().split(',').map(Number)"
            )
            count_text = page.locator('[data-count="incidents"]').inner_text()
            template = page.evaluate("() => peacemap.layers.incidents.tiles._url")
            browser.close()
        (cold, cold_wall, cold_ask, cold_tiles), (warm, warm_wall, warm_ask, warm_tiles) = firsts
        print(
            f"first draw of the tiled incidents {cold:.2f} s after the page started ({cold_wall:.2f} s wall clock; "
            f"first tile asked for at {cold_ask:.2f} s, the last received at {cold_tiles:.2f} s) with the server's "
            f"tile cache empty, {warm:.2f} s ({warm_wall:.2f} s; tiles asked from {warm_ask:.2f} s, the last received "
            f"at {warm_tiles:.2f} s) on a second visit; zoom {zoom}, "
            f"{len(drawn)} tiles ({len(tiles_fetched)} .mvt requests in the two visits); "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        window_sql = "occurred_on BETWEEN CAST(:start AS date) AND CAST(:end AS date)"
        inside = " AND ST_X(geom) BETWEEN :w AND :e AND ST_Y(geom) BETWEEN :s AND :n"

        def sql_ids(bounds) -> set[int]:
            w, s, e, n = bounds
            with engine.connect() as conn:
                rows = conn.execute(
                    text(f"SELECT id FROM incidents WHERE {window_sql}{inside}"),
                    {**window, "w": w, "s": s, "e": e, "n": n},
                )
                return set(rows.scalars())

        agree = True
        total_drawn = 0
        for key, ids in sorted(drawn.items()):
            x, y, z = (int(v) for v in key.split(":"))
            tile_url = template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
            decoded = mapbox_vector_tile.decode(httpx.get(tile_url, timeout=300).content)
            mvt_ids = [f["properties"]["id"] for f in decoded.get("incidents", {"features": []})["features"]]
            want = sql_ids(tile_bounds(key, BUFFER / EXTENT))
            ok = len(ids) == len(set(ids)) and set(ids) == set(mvt_ids) == want and len(mvt_ids) == len(want)
            agree &= ok
            total_drawn += len(ids)
            print(
                f"  tile {z}/{x}/{y}: drawn {len(ids):,}, decoded {len(mvt_ids):,}, SQL {len(want):,} "
                f"{'(equal)' if ok else '(DIFFERENT)'}"
            )
        in_view = sql_ids(view)
        every = set().union(*map(set, drawn.values()))
        with engine.connect() as conn:
            window_total = conn.scalar(text(f"SELECT count(*) FROM incidents WHERE {window_sql}"), window)
        covered = len(every & in_view) == len(in_view)
        agree &= covered
        print(
            f"view {', '.join(f'{v:.3f}' for v in view)}, window {window['start']} – {window['end']}: "
            f"SQL counts {len(in_view):,} incidents in view ({window_total:,} in the window), "
            f"{len(every & in_view):,} of them drawn; {total_drawn:,} features drawn in all "
            f"(tiles and their buffers); the layer says '{count_text}'"
        )
        print(f"every incident in view drawn, tiles equal to SQL: {'yes' if agree else 'NO'}")
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        server.close()
        engine.dispose()


if __name__ == "__main__":
    main()
