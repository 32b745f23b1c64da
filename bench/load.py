"""Load benchmark (issue 9): concurrent writers, readers and engagement-gap
requests against a real server process, then proof that nothing was lost.

For each writer count (``--writers 10,50``): a fresh database of the
benchmark's own cluster is seeded with the demo scenario at ``--scale``, an
editor and a viewer key are made, ``peacemap serve`` is started on a free
port (the real app, its default settings: README "Operations") and, once its
engagement-gap warm-up is done, for ``--seconds``:

- ``W`` writers, each a closed loop of POST (50 %), PATCH (30 %) and DELETE
  (20 %) over incidents, patrols, engagements, QIPs, communities, sites,
  agreements and admin areas near the demo's hot spots, PATCH and DELETE on
  rows that writer created;
- ``--readers`` readers: a list page of a random resource in a random view,
  or one acknowledged row by id;
- ``--gap-readers`` loops on ``/api/v1/analysis/engagement-gaps``
  (the demo's last day, the map's parameters), which the writes keep
  invalidating (inserts locally, updates/deletes/communities/sites fully).

Then it checks: every acknowledged create present with its last
acknowledged PATCH, every acknowledged delete gone, audit rows per action
equal to acknowledged writes, no request without an answer, no 5xx (503s
are counted and fail the run too: the target is none), write p99 ≤ 1 s,
and the server's cached analysis equal to a fresh full run in this process,
every property of every community. Prints per route the throughput and
p50/p99 latency, each run beside the others, with the machine's load
average and the server's peak memory. Exits non-zero if any check fails.

    .venv/bin/python bench/load.py [--seconds 60] [--writers 10,50] [--scale 0.004]
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import math
import os
import platform
import random
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np

from api.live import free_port
from geo.cluster import LocalCluster
from geo.db import libpq_url, make_engine, migrate

print = functools.partial(print, flush=True)
BENCH_DIR = Path(os.environ.get("PEACEMAP_BENCH_DIR", "/tmp/pm-bench-load"))
PEACEMAP = Path(sys.executable).with_name("peacemap")
END = date(2026, 6, 30)  # the demo's last day; the analysis as of it
WRITE_P99_TARGET_S = 1.0
CLIENT_TIMEOUT_S = 60
GAPS = "/api/v1/analysis/engagement-gaps"
HOT = [(18.56, 4.36), (20.67, 5.76), (17.45, 5.93), (22.39, 8.41), (16.06, 6.39)]  # lon, lat near demo towns


# ----------------------------------------------------------------- what the writers send
def _near(rng: random.Random) -> list[float]:
    lon, lat = rng.choice(HOT)
    return [round(lon + rng.uniform(-0.3, 0.3), 6), round(lat + rng.uniform(-0.3, 0.3), 6)]


def _day(rng: random.Random, back: int = 80) -> date:
    return END - timedelta(days=rng.randrange(back))


def _moment(rng: random.Random) -> str:
    return datetime.combine(_day(rng), datetime.min.time(), tzinfo=UTC).replace(hour=rng.randrange(6, 18)).isoformat()


def _square(rng: random.Random, half: float) -> dict:
    x, y = _near(rng)
    ring = [
        [x - half, y - half],
        [x + half, y - half],
        [x + half, y + half],
        [x - half, y + half],
        [x - half, y - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _point(rng):
    return {"type": "Point", "coordinates": _near(rng)}


def _track(rng):
    x, y = _near(rng)
    return {
        "type": "LineString",
        "coordinates": [
            [x, y],
            [x + rng.uniform(-0.1, 0.1), y + rng.uniform(-0.1, 0.1)],
            [x + rng.uniform(-0.1, 0.1), y + rng.uniform(-0.1, 0.1)],
        ],
    }


def _patrol_props(rng):
    start = datetime.fromisoformat(_moment(rng))
    return {
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=5)).isoformat(),
        "patrol_type": "vehicle",
        "component": "military",
        "unit": "bench",
    }


# resource → (weight, geometry maker, properties maker, the property a PATCH changes, its new value)
RESOURCES = {
    "incidents": (
        3,
        _point,
        lambda r: {
            "occurred_on": _day(r).isoformat(),
            "event_type": "battle",
            "fatalities": r.randrange(5),
            "actor1": "bench",
        },
        "fatalities",
        lambda r: r.randrange(50),
    ),
    "patrols": (2, _track, _patrol_props, "coverage_m", lambda r: float(r.randrange(1000, 20_000))),
    "engagements": (
        2,
        _point,
        lambda r: {"occurred_at": _moment(r), "kind": "townhall", "participants_total": 10},
        "participants_total",
        lambda r: r.randrange(1000),
    ),
    "qips": (
        1,
        _point,
        lambda r: {"title": "bench well", "sector": "water", "status": "in_progress", "start_on": _day(r).isoformat()},
        "beneficiaries",
        lambda r: r.randrange(10_000),
    ),
    "communities": (
        1,
        _point,
        lambda r: {"name": "bench village", "population": r.randrange(5000)},
        "population",
        lambda r: r.randrange(5000),
    ),
    "sites": (
        0.5,
        _point,
        lambda r: {"name": "bench base", "kind": "team_site"},
        "mission",
        lambda r: f"M{r.randrange(1000)}",
    ),
    "agreements": (
        1,
        lambda r: _square(r, 0.05),
        lambda r: {"name": "bench accord", "status": "in_force"},
        "facilitated_by",
        lambda r: f"office {r.randrange(1000)}",
    ),
    "admin-areas": (
        0.5,
        lambda r: _square(r, 0.2),
        lambda r: {"name": "bench area", "level": 3},
        "pcode",
        lambda r: f"B{r.randrange(10**6)}",
    ),
}
TABLES = {"admin-areas": "admin_areas"}
WRITE_METHODS = ("POST", "PATCH", "DELETE")


# ----------------------------------------------------------------- one run
@dataclass
class Ledger:
    """What the server acknowledged, and every request's outcome (one per
    client thread, merged at the end)."""

    expected: dict = field(default_factory=dict)  # (resource, id) → last acknowledged value of the patched property
    deleted: set = field(default_factory=set)
    acknowledged: Counter = field(default_factory=Counter)  # audit action → writes acknowledged
    unknown: int = 0  # requests that got no answer (their outcome cannot be known)
    samples: list = field(default_factory=list)  # (method, route, status, seconds)
    codes: Counter = field(default_factory=Counter)  # 5xx: (status, code)

    def merge(self, other: Ledger) -> None:
        self.expected.update(other.expected)
        self.deleted |= other.deleted
        self.acknowledged += other.acknowledged
        self.unknown += other.unknown
        self.samples += other.samples
        self.codes += other.codes


class Client:
    """One keep-alive HTTP/1.1 connection (``http.client``: the lightest
    client Python has, so the benchmark's own CPU takes as little as
    possible from the server on a shared machine), timing every request."""

    def __init__(self, url: str, token: str, ledger: Ledger):
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.ledger = ledger
        self.conn = None

    def call(self, method: str, route: str, path: str, body=None, params=None):
        """``(status, parsed JSON body or None)``, or None when no answer came."""
        if params:
            path += "?" + urlencode(params)
        t0 = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=CLIENT_TIMEOUT_S)
            self.conn.request(method, path, body=None if body is None else json.dumps(body), headers=self.headers)
            r = self.conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = None
            self.ledger.unknown += 1
            self.ledger.samples.append((method, route, type(exc).__name__, time.perf_counter() - t0))
            return None
        self.ledger.samples.append((method, route, r.status, time.perf_counter() - t0))
        data = json.loads(raw) if raw and r.getheader("content-type", "").endswith("json") else None
        if r.status >= 500:
            self.ledger.codes[(r.status, (data or {}).get("code"))] += 1
        return r.status, data


def writer(url: str, token: str, seed: int, deadline: float, alive: list) -> Ledger:
    ledger = Ledger()
    http_ = Client(url, token, ledger)
    rng = random.Random(seed)
    names, weights = list(RESOURCES), [v[0] for v in RESOURCES.values()]
    mine: dict[str, list[int]] = defaultdict(list)
    while time.monotonic() < deadline:
        name = rng.choices(names, weights)[0]
        _, geom, props, prop, value = RESOURCES[name]
        roll = rng.random()
        if roll < 0.5 or not mine[name]:
            body = {"type": "Feature", "geometry": geom(rng), "properties": props(rng)}
            r = http_.call("POST", f"POST /api/v1/{name}", f"/api/v1/{name}", body)
            if r is not None and r[0] == 201:
                fid = r[1]["id"]
                mine[name].append(fid)
                alive.append((name, fid))
                ledger.expected[(name, fid)] = body["properties"].get(prop)
                ledger.acknowledged["create"] += 1
        elif roll < 0.8:
            fid = rng.choice(mine[name])
            new = value(rng)
            r = http_.call(
                "PATCH",
                f"PATCH /api/v1/{name}/{{id}}",
                f"/api/v1/{name}/{fid}",
                {"type": "Feature", "properties": {prop: new}},
            )
            if r is not None and r[0] == 200:
                ledger.expected[(name, fid)] = new
                ledger.acknowledged["update"] += 1
        else:
            fid = mine[name].pop(rng.randrange(len(mine[name])))
            r = http_.call("DELETE", f"DELETE /api/v1/{name}/{{id}}", f"/api/v1/{name}/{fid}")
            if r is not None and r[0] == 204:
                del ledger.expected[(name, fid)]
                ledger.deleted.add((name, fid))
                ledger.acknowledged["delete"] += 1
            else:
                mine[name].append(fid)
    return ledger


def reader(url: str, token: str, seed: int, deadline: float, alive: list) -> Ledger:
    ledger = Ledger()
    http_ = Client(url, token, ledger)
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        if rng.random() < 0.5 and alive:
            name, fid = rng.choice(alive)  # may have been deleted since: a 404 then
            http_.call("GET", f"GET /api/v1/{name}/{{id}}", f"/api/v1/{name}/{fid}")
        else:
            name = rng.choice(list(RESOURCES))
            x, y = _near(rng)
            http_.call(
                "GET",
                f"GET /api/v1/{name}",
                f"/api/v1/{name}",
                params={"bbox": f"{x - 1},{y - 1},{x + 1},{y + 1}", "limit": 100},
            )
    return ledger


def gap_reader(url: str, token: str, deadline: float) -> Ledger:
    ledger = Ledger()
    http_ = Client(url, token, ledger)
    while time.monotonic() < deadline:
        http_.call("GET", f"GET {GAPS}", GAPS, params={"as_of": END.isoformat(), "limit": 100})
    return ledger


def drive(
    url: str, editor: str, viewer: str, writers: int, readers: int, gap_readers: int, seconds: float
) -> tuple[Ledger, float]:
    """Every client in its own thread until ``seconds`` have passed; requests
    in flight then are finished and counted."""
    alive: list = []  # acknowledged creates, for the readers
    t0 = time.monotonic()
    deadline = t0 + seconds
    with ThreadPoolExecutor(writers + readers + gap_readers) as pool:
        jobs = [pool.submit(writer, url, editor, i, deadline, alive) for i in range(writers)]
        jobs += [pool.submit(reader, url, viewer, 1000 + i, deadline, alive) for i in range(readers)]
        jobs += [pool.submit(gap_reader, url, viewer, deadline) for _ in range(gap_readers)]
        ledger = Ledger()
        for job in jobs:
            ledger.merge(job.result())
    return ledger, time.monotonic() - t0


# ----------------------------------------------------------------- checks
def check_rows(libpq: str, ledger: Ledger) -> dict[str, int]:
    """Acknowledged creates present with their last PATCH; acknowledged deletes gone."""
    import psycopg

    wrong = Counter()
    by_name = defaultdict(dict)
    for (name, fid), value in ledger.expected.items():
        by_name[name][fid] = value
    with psycopg.connect(libpq) as c:
        for name, (_, _, _, prop, _) in RESOURCES.items():
            table = TABLES.get(name, name)
            want = by_name.get(name, {})
            got = dict(c.execute(f'SELECT id, "{prop}" FROM "{table}" WHERE id = ANY(%s)', (list(want),)).fetchall())
            wrong["missing"] += sum(1 for fid in want if fid not in got)
            wrong["stale"] += sum(1 for fid, v in want.items() if fid in got and not _same(got[fid], v))
            gone = [fid for n, fid in ledger.deleted if n == name]
            wrong["not deleted"] += c.execute(f'SELECT count(*) FROM "{table}" WHERE id = ANY(%s)', (gone,)).fetchone()[
                0
            ]
    return wrong


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=1e-12)
    return a == b


def audit_counts(libpq: str, key_name: str) -> Counter:
    import psycopg

    with psycopg.connect(libpq) as c:
        return Counter(
            dict(
                c.execute(
                    "SELECT action, count(*) FROM audit_log WHERE key_name = %s GROUP BY action", (key_name,)
                ).fetchall()
            )
        )


def analysis_differences(url: str, db_url: str, viewer: str) -> tuple[int, int]:
    """The server's (cached) engagement gaps vs a fresh full run here, every
    property of every community; returns (communities, differing values)."""
    from fastapi.encoders import jsonable_encoder
    from sqlalchemy.orm import Session

    from geo.analysis import GapParams, gaps_from_db
    from geo.analysis.export import features

    served, offset = {}, 0
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {viewer}"}, timeout=600) as http:
        while True:
            page = http.get(GAPS, params={"as_of": END.isoformat(), "limit": 10_000, "offset": offset})
            page.raise_for_status()
            feats = page.json()["features"]
            served.update({f["id"]: f for f in feats})
            offset += len(feats)
            if not feats or offset >= page.json()["numberMatched"]:
                break
    engine = make_engine(db_url)
    with Session(engine) as s:
        fresh = gaps_from_db(s, GapParams(as_of=END), computed_at=datetime.now(UTC))
    engine.dispose()
    want = {f["id"]: f for f in json.loads(json.dumps(jsonable_encoder(features(fresh, fresh.table))))}
    bad = abs(len(want) - len(served)) + sum(1 for k in want if k not in served)
    for k, f in want.items():
        if k in served:
            bad += _value_differences(f, served[k])
    return len(want), bad


def _value_differences(a, b) -> int:
    if isinstance(a, dict) and isinstance(b, dict):
        return sum(_value_differences(a[k], b.get(k)) for k in a) + len(set(b) - set(a))
    if isinstance(a, list) and isinstance(b, list):
        return abs(len(a) - len(b)) + sum(_value_differences(x, y) for x, y in zip(a, b, strict=False))
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return 0 if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) else 1
    return 0 if a == b else 1


# ----------------------------------------------------------------- the server
def seed_database(cluster: LocalCluster, name: str, scale: float) -> str:
    from geo.demo import load_demo

    url = cluster.create_database(name)
    migrate(url)
    engine = make_engine(url)
    load_demo(engine, scale=scale, seed=7, end=END)
    engine.dispose()
    return url


def make_keys(db_url: str, run: str) -> tuple[str, str, str]:
    from sqlalchemy.orm import Session

    from geo.keys import create_key

    engine = make_engine(db_url)
    with Session(engine) as s, s.begin():
        name = f"bench-load-{run}"
        editor = create_key(s, name, "editor")
        viewer = create_key(s, f"{name}-viewer", "viewer")
    engine.dispose()
    return name, editor, viewer


def start_server(db_url: str, port: int, viewer: str) -> subprocess.Popen:
    env = {**os.environ, "PEACEMAP_DATABASE_URL": db_url, "PEACEMAP_PUBLIC_READ": "false"}
    proc = subprocess.Popen(
        [str(PEACEMAP), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {viewer}"}, timeout=600) as http:
        while True:  # up, then warmed: the measurement starts from a ready server
            if proc.poll() is not None:
                sys.exit(f"the server exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                if http.get(GAPS, params={"as_of": END.isoformat(), "limit": 1}).status_code == 200:
                    return proc
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                proc.kill()
                sys.exit("the server did not become ready")
            time.sleep(0.2)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Run:
    writers: int
    seconds: float
    ledger: Ledger
    load_before: tuple
    load_after: tuple
    server_peak_mb: float
    checks: dict[str, tuple[bool, str]]


def run_once(cluster: LocalCluster, args, writers: int) -> Run:
    db = f"bench_load_w{writers}"
    print(
        f"\n== {writers} writers, {args.readers} readers, {args.gap_readers} engagement-gap loops, "
        f"{args.seconds:.0f} s (demo scale {args.scale}) =="
    )
    db_url = seed_database(cluster, db, args.scale)
    libpq = libpq_url(db_url)
    key_name, editor, viewer = make_keys(db_url, f"w{writers}")
    port = free_port()
    server = start_server(db_url, port, viewer)
    url = f"http://127.0.0.1:{port}"
    try:
        load_before = os.getloadavg()
        ledger, took = drive(url, editor, viewer, writers, args.readers, args.gap_readers, args.seconds)
        load_after = os.getloadavg()
        communities, differing = analysis_differences(url, db_url, viewer)
        server_peak = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(60)
    rows = check_rows(libpq, ledger)
    audited = audit_counts(libpq, key_name)
    statuses = Counter(s for _, _, s, _ in ledger.samples)
    writes = np.array([t for m, _, _, t in ledger.samples if m in WRITE_METHODS])
    p99 = float(np.percentile(writes, 99)) if len(writes) else float("nan")
    five = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    checks = {
        "every acknowledged write present": (
            rows["missing"] == 0 and rows["stale"] == 0,
            f"{len(ledger.expected)} rows, {rows['missing']} missing, {rows['stale']} without their last PATCH",
        ),
        "every acknowledged delete gone": (
            rows["not deleted"] == 0,
            f"{len(ledger.deleted)} deletes, {rows['not deleted']} still there",
        ),
        "audit rows = acknowledged writes": (
            audited == ledger.acknowledged,
            f"audit {dict(audited)} vs acknowledged {dict(ledger.acknowledged)}",
        ),
        "every request answered": (ledger.unknown == 0, f"{ledger.unknown} without an answer"),
        "no 5xx": (five == 0, f"{five} ({dict(ledger.codes)})" if five else "none"),
        f"write p99 ≤ {WRITE_P99_TARGET_S:g} s": (p99 <= WRITE_P99_TARGET_S, f"{p99 * 1000:.0f} ms"),
        "cached analysis = fresh full run": (differing == 0, f"{communities} communities, {differing} values differ"),
    }
    cluster.drop_database(db)
    return Run(writers, took, ledger, load_before, load_after, server_peak, checks)


# ----------------------------------------------------------------- report
def route_table(runs: list[Run]) -> None:
    routes = sorted(
        {r for run in runs for _, r, _, _ in run.ledger.samples}, key=lambda r: (not r.startswith(WRITE_METHODS), r)
    )
    head = "".join(f" | {run.writers} writers: req/s, p50, p99 (ms)" for run in runs)
    print(f"\n{'route':44s}{head}")
    for route in routes:
        cells = []
        for run in runs:
            t = np.array([s for _, r, _, s in run.ledger.samples if r == route])
            cells.append(
                f"{len(t) / run.seconds:7.1f} {np.percentile(t, 50) * 1000:7.0f} {np.percentile(t, 99) * 1000:7.0f}"
                if len(t)
                else f"{'—':>23s}"
            )
        print(f"{route:44s}" + "".join(f" | {c:31s}" for c in cells))
    for label, keep in (
        ("all writes", lambda m, r: m in WRITE_METHODS),
        ("all reads (not analysis)", lambda m, r: m == "GET" and GAPS not in r),
        ("engagement gaps", lambda m, r: GAPS in r),
        ("everything", lambda m, r: True),
    ):
        cells = []
        for run in runs:
            t = np.array([s for m, r, _, s in run.ledger.samples if keep(m, r)])
            cells.append(
                f"{len(t) / run.seconds:7.1f} {np.percentile(t, 50) * 1000:7.0f} {np.percentile(t, 99) * 1000:7.0f}"
                if len(t)
                else f"{'—':>23s}"
            )
        print(f"{label:44s}" + "".join(f" | {c:31s}" for c in cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--writers", default="10,50", help="comma-separated writer counts, one run each")
    ap.add_argument("--readers", type=int, default=5)
    ap.add_argument("--gap-readers", type=int, default=2)
    ap.add_argument("--scale", type=float, default=0.004, help="demo scenario scale (0.004 = what make run loads)")
    args = ap.parse_args()

    print(
        f"peacemap load benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    cluster = LocalCluster(BENCH_DIR, fast=True)
    cluster.up()
    runs = [run_once(cluster, args, int(w)) for w in args.writers.split(",")]

    route_table(runs)
    failed = False
    for run in runs:
        statuses = Counter(s for _, _, s, _ in run.ledger.samples)
        print(
            f"\n{run.writers} writers: {len(run.ledger.samples)} requests in {run.seconds:.1f} s "
            f"({len(run.ledger.samples) / run.seconds:.0f}/s), statuses {dict(sorted(statuses.items(), key=str))}; "
            f"load average {run.load_before[0]:.1f} → {run.load_after[0]:.1f}; "
            f"server peak memory {run.server_peak_mb:.0f} MB"
        )
        for name, (ok, detail) in run.checks.items():
            failed |= not ok
            print(f"  [{'ok' if ok else 'FAIL'}] {name}: {detail}")
    print(f"\nbenchmark process peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if failed:
        sys.exit("load benchmark: a check failed")


if __name__ == "__main__":
    main()
