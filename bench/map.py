"""Benchmark of /map: bytes transferred and time to a usable map in headless Chromium.

    .venv/bin/python bench/map.py --scale 0.1

Loads the demo scenario at ``--scale`` (1 = reference scale, bench/README.md) into
its own database, serves the app on a free 127.0.0.1 port, opens ``/map``
with the default layers and prints, per run: HTML / JSON / static bytes,
time to the first drawn layer and time until every default layer is drawn.
Baselines measured in the same run: a blank map (no layers: the floor set by
Leaflet and the page itself) and the bytes a page inlining the same default
layers for the whole mission would weigh (the naive folium approach).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from api.app import create_app
from api.live import CHROMIUM, CHROMIUM_ARGS, LiveServer
from api.settings import ApiSettings
from geo.cluster import LocalCluster
from geo.db import make_engine, migrate
from geo.demo import counts_for, load_demo

DB = "bench_map"
# The benchmark's own listener for the map's documented events (see
# frontend/static/js/peacemap.js): when the first layer was drawn, when no
# fetch was left in flight, and how long each layer's last fetch took.
TIMING_PROBE = """
(function () {
  var t = (window.pmTiming = { first: null, ready: null, busy: {}, started: {}, ms: {} });
  document.addEventListener("peacemap:layerloading", function (e) {
    t.ready = null; t.busy[e.detail.key] = true; t.started[e.detail.key] = performance.now();
  });
  function done(e) {
    var now = performance.now();
    t.busy[e.detail.key] = false;
    if (e.type === "peacemap:layerload") {
      if (t.first === null) t.first = now;
      if (t.started[e.detail.key] !== undefined) t.ms[e.detail.key] = now - t.started[e.detail.key];
    }
    if (!Object.keys(t.busy).some(function (k) { return t.busy[k]; })) t.ready = now;
  }
  document.addEventListener("peacemap:layerload", done);
  document.addEventListener("peacemap:layererror", done);
})();
"""


def load(cluster: LocalCluster, scale: float, fresh: bool) -> str:
    url = cluster.url(DB)
    engine = make_engine(cluster.url("postgres"))
    with engine.connect() as conn:
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).scalar()
    engine.dispose()
    if exists and not fresh:
        print(f"reusing database {DB} (pass --fresh to regenerate)")
        migrate(url)  # a database kept from an older checkout still needs the newer migrations
        return url
    url = cluster.create_database(DB)
    migrate(url)
    engine = make_engine(url)
    started = time.perf_counter()
    written = load_demo(engine, scale=scale)
    engine.dispose()
    print(
        f"loaded scale {scale} in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in (written or {}).items())
    )
    return url


def open_map(browser, url: str) -> dict:
    """One cold page load in a fresh context: bytes by kind and the page's own timings."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(TIMING_PROBE)
    page = context.new_page()
    sizes = {"html": 0, "json": 0, "static": 0}
    json_urls = []

    def finished(request):
        body = request.sizes()["responseBodySize"]
        kind = "static" if "/static/" in request.url else request.resource_type
        kind = "html" if kind == "document" else "json" if kind in ("fetch", "xhr") else "static"
        sizes[kind] += body
        if kind == "json":
            json_urls.append(request.url)

    page.on("requestfinished", finished)
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        "() => pmTiming.ready !== null || "
        "(window.peacemap && Object.keys(peacemap.layers).every(k => !peacemap.layers[k].group._map))",
        timeout=120_000,
    )
    wall = time.perf_counter() - started
    timings = page.evaluate("""() => ({
        dom: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
        first: pmTiming.first, ready: pmTiming.ready,
        layers: Object.fromEntries(Object.entries(peacemap.layers).filter(([k, s]) => s.group._map)
            .map(([k, s]) => [k, {returned: s.returned, matched: s.matched, error: s.error, ms: pmTiming.ms[k]}]))})""")
    context.close()
    return {**sizes, **timings, "wall": wall, "json_urls": json_urls}


def alone(urls: list[str]) -> list[tuple[str, float]]:
    """Each layer request timed on its own (no other request competing for the 2 cores)."""
    out = []
    for url in urls:
        started = time.perf_counter()
        httpx.get(url, timeout=600).raise_for_status()
        out.append((url, time.perf_counter() - started))
    return out


def inline_bytes(base: str, window: tuple[str, str]) -> int:
    """Bytes of the default layers' full GeoJSON for the whole mission (what inlining would embed)."""
    total = 0
    for path, params in [
        ("/api/v1/incidents", {"start": window[0], "end": window[1]}),
        ("/api/v1/communities", {}),
        ("/api/v1/qips", {}),
        ("/api/v1/sites", {}),
        ("/api/v1/agreements", {}),
        ("/api/v1/admin-areas", {}),
    ]:
        offset = 0
        while True:
            r = httpx.get(base + path, params={**params, "limit": 10_000, "offset": offset}, timeout=300)
            r.raise_for_status()
            total += len(r.content)
            returned = r.json()["numberReturned"]
            offset += returned
            if returned < 10_000:
                break
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1, help="1 = reference scale (50 000 communities, 1M incidents)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--fresh", action="store_true", help="regenerate the database even if it exists")
    ap.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("PEACEMAP_DATA_DIR", ".peacemap")) / "bench-map"
    )
    args = ap.parse_args()
    print(f"scale {args.scale}: {counts_for(args.scale)}")

    cluster = LocalCluster(args.data_dir, fast=True)
    cluster.up()
    db_url = load(cluster, args.scale, args.fresh)
    server = LiveServer(create_app(ApiSettings(public_read=True), db_url=db_url))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            open_map(browser, server.url + "/map")  # warm the server (first queries, imports)
            blank = [open_map(browser, server.url + "/map?layers=") for _ in range(args.runs)]
            runs = [open_map(browser, server.url + "/map") for _ in range(args.runs)]
            browser.close()
        html = httpx.get(server.url + "/map").text
        control = json.loads(re.search(r"peacemap\.windowControl\(\w+, (\{.*?\})\);", html).group(1))
        window = (control["start"], control["end"])
        naive = inline_bytes(server.url, window)
        serial = alone(runs[-1]["json_urls"])
    finally:
        server.close()

    def med(rows, k):
        return statistics.median(r[k] for r in rows)

    print(f"\n/map default view, median of {args.runs} cold page loads (window {window[0]}..{window[1]})")
    for k, s in runs[-1]["layers"].items():
        matched = f"{s['matched']:,}" if s["matched"] is not None else "?"
        took = f" in {s['ms'] / 1000:.2f} s" if s.get("ms") else ""
        print(
            f"  {k:<14} {s['returned']:>7,} of {matched:>9} drawn{took}"
            + (f"  ERROR {s['error']}" if s["error"] else "")
        )
    print("  each request alone (server time, no competing requests):")
    for url, seconds in serial:
        print(f"    {seconds:6.2f} s  {url.split('//', 1)[1].split('/', 1)[1][:110]}")

    def mb(b):
        return f"{b / 1e6:.2f} MB"

    print(
        f"  bytes: html {mb(med(runs, 'html'))}, json {mb(med(runs, 'json'))}, static {mb(med(runs, 'static'))}; "
        f"total {mb(med(runs, 'html') + med(runs, 'json') + med(runs, 'static'))}"
    )
    print(
        f"  first layer drawn {med(runs, 'first') / 1000:.2f} s; every default layer drawn "
        f"{med(runs, 'ready') / 1000:.2f} s (page load to ready, wall {med(runs, 'wall'):.2f} s)"
    )
    print(
        f"baseline blank map (no layers): DOM ready {med(blank, 'dom') / 1000:.2f} s, wall {med(blank, 'wall'):.2f} s "
        f"→ ratio ready/blank {med(runs, 'ready') / max(med(blank, 'wall') * 1000, 1):.1f}×"
    )
    print(
        f"baseline inline GeoJSON of the same default layers: {mb(naive)} "
        f"→ {naive / max(med(runs, 'html') + med(runs, 'json'), 1):.0f}× the bytes /map transfers"
    )


if __name__ == "__main__":
    main()
