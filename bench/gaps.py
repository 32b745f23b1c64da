"""Engagement-gap benchmark (issue 3): the whole analysis of docs/analysis.md on
the demo scenario at ``--scale`` (1 = reference scale: 50 000 communities,
1 000 000 incidents, 200 000 patrols), three ways,
in the same run and against the same PostGIS:

(a) naive PostGIS: one correlated ``ST_DWithin`` on geography per community
    and per rule (geography expression indexes are created so it finishes);
(b) idiomatic geopandas: ``read_postgis``, a UTM CRS from
    ``estimate_utm_crs``, ``sjoin(predicate="dwithin")`` + ``groupby``;
(c) peacemap: ``gaps_from_db`` — database to ranked results; and the same
    analysis on resident inputs (``geo.analysis.resident``: read once, then
    full runs that read nothing from PostGIS — the API's path).

Each runs in a fresh process (so peak RSS is its own); (c) runs three times
(first and best reported), the resident runs three times and with three
changed parameters, with a per-step profile. Then the cache of the API
(``geo.analysis.cache``) is timed: a hit on unchanged data, one new patrol,
one new incident, a patrol at a random place, an update and a delete, each
committed, to the next result, which must equal a fresh full run. Then a
server process is started on the same database: seconds to the first
``/map`` and to the first engagement-gap answer (cold start; with
``--baseline DIR``, another checkout's server is started in turn with this
one's, so both meet the same load). Prints times,
ratios, peak memory, the load average, and how far (a), (b) and the
resident run agree with (c), field by field.

    .venv/bin/python bench/gaps.py --scale 0.1 [--skip-naive]
    .venv/bin/python bench/gaps.py --scale 1 --reuse --parts cold --baseline /tmp/pm-base
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The benchmark's own PostGIS cluster: under PEACEMAP_BENCH_DIR when set (one per
# worktree, as bench/export.py does), else in /tmp.
BENCH_DIR = (
    Path(os.environ["PEACEMAP_BENCH_DIR"]) / "gaps"
    if "PEACEMAP_BENCH_DIR" in os.environ
    else Path("/tmp/pm-bench-gaps")
)
sys.stdout.reconfigure(line_buffering=True)  # progress shows up in CI logs at once
DB = "bench_gaps"
PARTS = ("end-to-end", "resident", "geopandas", "naive", "cache", "cold")
COLD_TARGET_S = 2.0  # issue 13: ready to draw /map within 2 s of a server's start
FIELDS = [
    "days_since_engagement",
    "incidents_window",
    "fatalities_window",
    "pressure",
    "distance_to_site_m",
    "under_engaged",
    "rank",
]


# ----------------------------------------------------------------- shared scoring for the baselines
def score(df: pd.DataFrame, p) -> pd.DataFrame:
    """The gap score and ranking (docs/analysis.md#gap-score) in plain pandas, for the baselines (a) and (b)."""
    as_of = pd.Timestamp(p.as_of)
    last = (
        df[["last_patrol", "last_engagement", "last_qip"]]
        .apply(lambda s: pd.to_datetime(s, utc=True).dt.tz_localize(None).dt.normalize())
        .max(axis=1)
    )
    days = (as_of - last).dt.days
    df["days_since_engagement"] = days.astype("Int64")
    staleness = np.where(days.isna(), 1.0, np.minimum(days.fillna(0), p.cap_days) / p.cap_days)
    pmax = df["pressure"].max()
    norm = df["pressure"] / pmax if pmax > 0 else 0.0
    pop = 1 + np.log10(1 + df["population"].fillna(0).astype(float))
    remote = 1 + df["distance_to_site_m"].fillna(0) / p.remoteness_scale_m
    df["gap_score"] = norm * staleness * pop * remote
    df["under_engaged"] = (days.isna() | (days >= p.min_days)) & (df["pressure"] > 0)
    df = df.sort_values(["gap_score", "community_id"], ascending=[False, True]).reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1)
    return df


# ----------------------------------------------------------------- (a) naive PostGIS
NAIVE_SQL = """
SELECT c.id AS community_id, c.population,
  (SELECT max(p.ended_at) FROM patrols p
    WHERE p.ended_at < :cutoff
      AND ST_DWithin(p.geom::geography, c.geom::geography, :max_cov)  -- constant radius: lets the index help
      AND ST_DWithin(p.geom::geography, c.geom::geography, coalesce(p.coverage_m, :pr))) AS last_patrol,
  (SELECT max(e.occurred_at) FROM engagements e
    WHERE e.occurred_at < :cutoff
      AND (e.community_id = c.id OR ST_DWithin(e.geom::geography, c.geom::geography, :er))) AS last_engagement,
  (SELECT max(greatest(CASE WHEN q.start_on <= :as_of THEN q.start_on END,
                       CASE WHEN q.end_on <= :as_of THEN q.end_on END))
     FROM qips q WHERE q.status IN ('in_progress', 'completed')
      AND ST_DWithin(q.geom::geography, c.geom::geography, :qr)) AS last_qip,
  i.n AS incidents_window, i.f AS fatalities_window, i.pressure,
  (SELECT min(ST_Distance(s.geom::geography, c.geom::geography)) FROM sites s
    WHERE (s.active_from IS NULL OR s.active_from <= :as_of)
      AND (s.active_to IS NULL OR s.active_to >= :as_of)) AS distance_to_site_m
FROM communities c
CROSS JOIN LATERAL (
  SELECT count(*) AS n, coalesce(sum(x.fatalities), 0) AS f,
         coalesce(sum(CASE WHEN x.geo_precision <> 3 OR :region
                           THEN (1 + x.fatalities) * exp(-(:as_of - x.occurred_on) / :hl * ln(2)) ELSE 0 END), 0)
           AS pressure
    FROM incidents x
   WHERE x.occurred_on > :as_of - :w AND x.occurred_on <= :as_of
     AND ST_DWithin(x.geom::geography, c.geom::geography, :ir)) i
"""
GEOGRAPHY_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS bench_{t}_geog ON {t} USING gist ((geom::geography))"
    for t in ("patrols", "engagements", "qips", "incidents", "sites")
]


def naive(url: str, p, sample: int = 0) -> pd.DataFrame:
    from sqlalchemy import text

    from geo.db import make_engine

    cutoff = datetime.combine(p.as_of + timedelta(days=1), dtime.min, tzinfo=UTC)
    args = {
        "cutoff": cutoff,
        "as_of": p.as_of,
        "pr": p.patrol_radius_m,
        "er": p.engagement_radius_m,
        "qr": p.qip_radius_m,
        "ir": p.incident_radius_m,
        "w": p.window_days,
        "hl": p.half_life_days,
        "region": p.include_region_precision,
    }
    engine = make_engine(url)
    with engine.connect() as conn:
        args["max_cov"] = max(p.patrol_radius_m, conn.scalar(text("SELECT max(coverage_m) FROM patrols")) or 0)
        sql = NAIVE_SQL
        if sample:  # every sample-th community: the correlated form is linear in communities
            sql += " WHERE c.id % :every = 0"
            args["every"] = sample
        df = pd.DataFrame(conn.execute(text(sql), args).mappings().all())
    engine.dispose()
    df["pressure"] = df["pressure"].astype(float)
    df["distance_to_site_m"] = df["distance_to_site_m"].astype(float)
    return score(df, p)


# ----------------------------------------------------------------- (b) idiomatic geopandas
def geopandas_way(url: str, p) -> pd.DataFrame:
    import geopandas as gpd
    from sqlalchemy import text

    from geo.db import make_engine

    engine = make_engine(url)
    cutoff = datetime.combine(p.as_of + timedelta(days=1), dtime.min, tzinfo=UTC)
    first = p.as_of - timedelta(days=p.window_days - 1)
    with engine.connect() as conn:

        def read(sql, **kw):
            return gpd.read_postgis(text(sql), conn, geom_col="geom", params=kw).rename_geometry("geometry")

        com = read("SELECT id, population, geom FROM communities")
        inc = read(
            "SELECT occurred_on, fatalities, geo_precision, geom FROM incidents WHERE occurred_on BETWEEN :a AND :b",
            a=first,
            b=p.as_of,
        )
        pat = read("SELECT ended_at, coverage_m, geom FROM patrols WHERE ended_at < :c", c=cutoff)
        eng = read("SELECT occurred_at, community_id, geom FROM engagements WHERE occurred_at < :c", c=cutoff)
        qip = read("SELECT start_on, end_on, geom FROM qips WHERE status IN ('in_progress', 'completed')")
        site = read("SELECT active_from, active_to, geom FROM sites")
    engine.dispose()
    crs = com.estimate_utm_crs()
    com, inc, pat, eng, qip, site = (g.to_crs(crs) for g in (com, inc, pat, eng, qip, site))
    out = pd.DataFrame({"community_id": com["id"], "population": com["population"]})
    c = com[["id", "geometry"]]

    j = gpd.sjoin(c, inc, predicate="dwithin", distance=p.incident_radius_m)
    age = (pd.Timestamp(p.as_of) - pd.to_datetime(j["occurred_on"])).dt.days
    weight = (1 + j["fatalities"]) * np.exp(-age / p.half_life_days * np.log(2))
    j["w"] = weight.where((j["geo_precision"] != 3) | p.include_region_precision, 0.0)
    g = j.groupby("id").agg(
        incidents_window=("w", "size"), fatalities_window=("fatalities", "sum"), pressure=("w", "sum")
    )
    out = out.merge(g, left_on="community_id", right_index=True, how="left")

    radius = pat["coverage_m"].fillna(p.patrol_radius_m).to_numpy()
    j = gpd.sjoin(pat, c, predicate="dwithin", distance=radius)
    out = out.merge(
        j.groupby("id")["ended_at"].max().rename("last_patrol"), left_on="community_id", right_index=True, how="left"
    )

    j = gpd.sjoin(c, eng, predicate="dwithin", distance=p.engagement_radius_m)
    linked = eng.dropna(subset=["community_id"]).assign(id=lambda d: d["community_id"].astype("int64"))
    both = pd.concat([j[["id", "occurred_at"]], linked[["id", "occurred_at"]]])
    out = out.merge(
        both.groupby("id")["occurred_at"].max().rename("last_engagement"),
        left_on="community_id",
        right_index=True,
        how="left",
    )

    as_of = pd.Timestamp(p.as_of)
    for col in ("start_on", "end_on"):
        qip[col] = pd.to_datetime(qip[col]).where(pd.to_datetime(qip[col]) <= as_of)
    qip["day"] = qip[["start_on", "end_on"]].max(axis=1)
    j = gpd.sjoin(c, qip.dropna(subset=["day"]), predicate="dwithin", distance=p.qip_radius_m)
    out = out.merge(
        j.groupby("id")["day"].max().rename("last_qip"), left_on="community_id", right_index=True, how="left"
    )

    af, at = pd.to_datetime(site["active_from"]), pd.to_datetime(site["active_to"])
    active = site[(af.isna() | (af <= as_of)) & (at.isna() | (at >= as_of))]
    near = gpd.sjoin_nearest(c, active[["geometry"]], distance_col="d").groupby("id")["d"].min()
    out = out.merge(near.rename("distance_to_site_m"), left_on="community_id", right_index=True, how="left")

    out[["incidents_window", "fatalities_window"]] = (
        out[["incidents_window", "fatalities_window"]].fillna(0).astype("int64")
    )
    out["pressure"] = out["pressure"].fillna(0.0)
    return score(out, p)


# ----------------------------------------------------------------- (c) peacemap
def peacemap_way(url: str, p) -> pd.DataFrame:
    from geo.analysis import gaps_from_db
    from geo.db import make_engine, make_sessionmaker

    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        result = gaps_from_db(session, p, computed_at=datetime.now(UTC))
    engine.dispose()
    return result.table


def load_resident(url: str):
    """A :class:`~geo.analysis.resident.Resident` store read from ``url``, and the seconds it took."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from geo.analysis.resident import Resident
    from geo.db import make_engine

    engine = make_engine(url)
    store = Resident()
    t = time.perf_counter()
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        s = Session(bind=conn)
        store.refresh(s, s.scalar(text("SELECT pg_current_snapshot()::text")))
        s.close()
        conn.rollback()
    engine.dispose()
    return store, time.perf_counter() - t


def profile_steps(tables, p) -> dict[str, float]:
    """Seconds per step of one full run on resident inputs (docs/analysis.md order)."""
    from geo.analysis import gaps, last_engagement
    from geo.analysis.days import US_PER_DAY, day_number

    as_of_day = day_number(p.as_of)
    cutoff = (as_of_day + 1) * US_PER_DAY
    out = {}

    def step(name, fn):
        t = time.perf_counter()
        r = fn()
        out[name] = time.perf_counter() - t
        return r

    places, _ = step("communities", lambda: gaps.community_places(tables.communities))
    step("patrol search", lambda: last_engagement.last_patrol_event(places, tables.patrols, p, cutoff))
    step("engagements", lambda: last_engagement.last_engagement_event(places, tables.engagements, p, cutoff))
    step("QIPs", lambda: last_engagement.last_qip_event(places, tables.qips, p, as_of_day))
    step("pressure", lambda: gaps.violence_pressure(places, tables.incidents, p))
    step("nearest site", lambda: gaps.nearest_active_site(places, tables.sites, as_of_day))
    state = gaps.gap_state(tables, p)
    table = step("rank (table)", state.table)
    result = gaps.GapResult(table, p, datetime.now(UTC), patrol_radii=state.patrol_radii, explainer=state.explainer)
    step("reasons of a 100-row page (not in the run)", lambda: result.explained(table.iloc[:PAGE]))
    step("the same page again", lambda: result.explained(table.iloc[:PAGE]))
    step("reasons of every row (not in the run)", lambda: result.explained(table))
    return out


PAGE = 100  # rows of the API page whose reasons are timed beside the full run


def reasons_cost(result) -> tuple[float, float]:
    """Seconds to build the reasons of a result's first ``PAGE`` rows, and of
    every row — what a full run leaves to its callers (each on a result whose
    reasons have not been built yet)."""
    from dataclasses import replace

    from geo.analysis.reasons import Explainer

    out = []
    for rows in (result.table.iloc[:PAGE], result.table):
        fresh = replace(result, explainer=Explainer(result.explainer.ids, result.params, result.patrol_radii))
        t = time.perf_counter()
        fresh.explained(rows)
        out.append(time.perf_counter() - t)
    return out[0], out[1]


def resident_way(url: str, p) -> dict:
    """The resident inputs: read once, then full runs on them — the same
    parameters three times (first and best), and three changed parameters a
    planner asks for; each full run reads nothing from PostGIS."""
    from dataclasses import replace

    from geo.analysis import compute_gaps

    store, read_s = load_resident(url)
    tables = store.tables
    times, page, every = [], [], []
    for _ in range(3):
        t = time.perf_counter()
        result = compute_gaps(tables, p, computed_at=datetime.now(UTC))
        times.append(time.perf_counter() - t)
        page_s, every_s = reasons_cost(result)
        page.append(page_s)
        every.append(every_s)
    variants = {}
    for label, q in (
        ("window 30 days", replace(p, window_days=30)),
        ("patrol radius 10 km", replace(p, patrol_radius_m=10_000.0)),
        ("as_of 30 days earlier", replace(p, as_of=p.as_of - timedelta(days=30))),
    ):
        t = time.perf_counter()
        compute_gaps(tables, q, computed_at=datetime.now(UTC))
        variants[label] = time.perf_counter() - t
    return {
        "read": read_s,
        "times": times,
        "page_reasons": page,
        "every_reasons": every,
        "variants": variants,
        "profile": profile_steps(tables, p),
        "held_mb": sum(r.nbytes() for r in tables.rows.values()) / 2**20,
        "rss_mb": peak_rss_mb(),
        "table": result.table[["community_id", *FIELDS]],
    }


def _resident_child(url: str, p, queue) -> None:
    queue.put(resident_way(url, p))


def cold_start(url: str, as_of: date, root: Path = ROOT) -> dict:
    """A server process of the checkout ``root`` started on the benchmark's
    database (``uvicorn api.app:create_app``, warm-up on): seconds from the
    start of the process to the first whole ``/map`` page (200, read to its
    end), and to the first engagement-gap answer for the map's parameters
    (the layer the page draws; 503 while warming); and, before it, the
    seconds a fresh interpreter takes to import the app and build it
    (``create_app``), which bounds the first."""
    import subprocess
    import urllib.error
    import urllib.request

    from api.live import free_port, server_command

    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from api.app import create_app; create_app()"], cwd=root, check=True)
    imported = time.perf_counter() - t0

    port = free_port()
    env = {**os.environ, "PEACEMAP_DATABASE_URL": url, "PEACEMAP_PUBLIC_READ": "true"}
    base = f"http://127.0.0.1:{port}"
    gaps_url = f"{base}/api/v1/analysis/engagement-gaps?as_of={as_of.isoformat()}&limit=10"
    t0 = time.perf_counter()
    proc = subprocess.Popen(server_command("--port", str(port)), cwd=root, env=env)
    out: dict[str, float] = {"import": imported}
    try:
        for key, target in (("map", f"{base}/map"), ("gaps", gaps_url)):
            while key not in out:
                if time.perf_counter() - t0 > 300 or proc.poll() is not None:
                    raise RuntimeError(f"the server did not answer {target}")
                try:
                    with urllib.request.urlopen(target, timeout=30) as r:
                        body = r.read()
                        if r.status == 200 and (key != "map" or body.rstrip().endswith(b"</html>")):
                            out[key] = time.perf_counter() - t0
                            out[f"{key}_cpu"] = cpu_seconds(proc.pid)
                            out[f"{key}_rss"] = peak_rss_of(proc.pid)
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.02)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    out["load"] = os.getloadavg()[0]
    return out


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system, all threads) the process ``pid`` has used
    so far: the work of a cold start, which the load on shared cores does not
    inflate as it does the wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_of(pid: int) -> float:
    """The peak resident memory (MB) of the process ``pid`` so far (``VmHWM``)."""
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def cold_starts(url: str, as_of: date, baseline: Path | None, rounds: int) -> None:
    """:func:`cold_start` ``rounds`` times, and as often for the checkout
    ``baseline`` (another worktree, e.g. main's) in turn with it, so both
    meet the same load; prints every start and the best of each."""
    roots = {"this checkout": ROOT, **({f"baseline {baseline}": baseline} if baseline else {})}
    runs: dict[str, list[dict]] = {label: [] for label in roots}
    for _ in range(rounds):
        for label, root in roots.items():
            c = cold_start(url, as_of, root)
            runs[label].append(c)
            print(
                f"cold start, {label}: importing the app {c['import']:.2f} s (alone, same machine); uvicorn process "
                f"start → first /map {c['map']:.2f} s ({c['map_cpu']:.2f} s CPU, peak RSS {c['map_rss']:.0f} MB), "
                f"→ engagement gaps {c['gaps']:.2f} s ({c['gaps_cpu']:.2f} s CPU, peak RSS {c['gaps_rss']:.0f} MB)  "
                f"(load {c['load']:.2f})"
            )
    for label, cs in runs.items():
        print(
            f"cold start, {label}, best of {rounds}: import {min(c['import'] for c in cs):.2f} s, "
            f"first /map {min(c['map'] for c in cs):.2f} s ({min(c['map_cpu'] for c in cs):.2f} s CPU), "
            f"engagement gaps {min(c['gaps'] for c in cs):.2f} s; worst first /map {max(c['map'] for c in cs):.2f} s; "
            f"{sum(c['map'] <= COLD_TARGET_S for c in cs)} of {rounds} starts ≤ {COLD_TARGET_S:g} s"
        )
    if baseline:
        this, base = runs["this checkout"], runs[f"baseline {baseline}"]
        print(
            "cold start, this checkout vs baseline, first /map: best "
            f"{min(c['map'] for c in base) / min(c['map'] for c in this):.2f}× faster, worst "
            f"{max(c['map'] for c in base) / max(c['map'] for c in this):.2f}× (CPU best "
            f"{min(c['map_cpu'] for c in base) / min(c['map_cpu'] for c in this):.2f}×)"
        )


def cached_way(url: str, p, top: list[int]) -> dict:
    """``geo.analysis.cache``: first (full) run, hits on unchanged data, then
    rounds of writes (one per pair of ``top``): a committed patrol past
    community ``top[0]``, an incident next to ``top[1]``, a patrol at a random
    place, the incident moved, that patrol deleted — each timed to the next
    result; the final cached table and a fresh full recompute come back to be
    compared."""
    import shapely
    from geoalchemy2.shape import from_shape
    from sqlalchemy import delete, func, select, update

    from geo.analysis import gaps_from_db
    from geo.analysis.cache import STATS, cached_gaps
    from geo.db import make_engine, make_sessionmaker
    from geo.models import Community, Incident, Patrol

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)

    cpu: dict[str, list[float]] = {}  # this thread's CPU time per write kind: readable under load, unlike wall time

    def timed(fn, kind=None):
        t, c = time.perf_counter(), time.thread_time()
        with sessions() as s:
            out = fn(s)
        if kind is not None:
            cpu.setdefault(kind, []).append(time.thread_time() - c)
        return time.perf_counter() - t, out

    out = {
        "first": timed(lambda s: cached_gaps(s, p))[0],
        "hit": min(timed(lambda s: cached_gaps(s, p))[0] for _ in range(5)),
    }
    ended = datetime.combine(p.as_of, dtime(10), tzinfo=UTC)
    rng = np.random.default_rng(11)
    times: dict[str, list[float]] = {}
    for k in range(len(top) // 2):  # a round: one write of each kind, next to the next two communities
        with sessions() as s:
            (lon0, lat0), (lon1, lat1) = [
                s.execute(select(func.ST_X(Community.geom), func.ST_Y(Community.geom)).where(Community.id == i)).one()
                for i in top[2 * k : 2 * k + 2]
            ]
            lon, lat = s.execute(
                select(func.ST_X(Community.geom), func.ST_Y(Community.geom)).order_by(func.random())
            ).first()
        lon, lat = lon + rng.uniform(-0.05, 0.05), lat + rng.uniform(-0.05, 0.05)
        writes = {
            "patrol": Patrol(
                started_at=ended - timedelta(hours=4),
                ended_at=ended,
                patrol_type="foot",
                component="military",
                geom=from_shape(shapely.MultiLineString([[(lon0 - 0.01, lat0), (lon0 + 0.01, lat0)]]), srid=4326),
            ),
            "incident": Incident(
                occurred_on=p.as_of,
                event_type="battle",
                fatalities=3,
                geom=from_shape(shapely.Point(lon1 + 0.001, lat1), srid=4326),
            ),
            "patrol at a random place": Patrol(
                started_at=ended - timedelta(hours=4),
                ended_at=ended,
                patrol_type="foot",
                component="military",
                geom=from_shape(shapely.MultiLineString([[(lon, lat), (lon + 0.03, lat + 0.02)]]), srid=4326),
            ),
        }
        for name, obj in writes.items():
            t = time.perf_counter()
            with sessions.begin() as s:
                s.add(obj)
            out.setdefault(f"{name}_commit", time.perf_counter() - t)
            took, result = timed(lambda s: cached_gaps(s, p), name)
            times.setdefault(name, []).append(took)
        with sessions.begin() as s:  # an update: the new incident moves next to the round's first community
            s.execute(
                update(Incident)
                .where(Incident.id == writes["incident"].id)
                .values(geom=from_shape(shapely.Point(lon0 + 0.002, lat0), srid=4326))
            )
        took, result = timed(lambda s: cached_gaps(s, p), "incident moved")
        times.setdefault("incident moved", []).append(took)
        with sessions.begin() as s:  # a delete
            s.execute(delete(Patrol).where(Patrol.id == writes["patrol at a random place"].id))
        took, result = timed(lambda s: cached_gaps(s, p), "patrol deleted")
        times.setdefault("patrol deleted", []).append(took)
    out.update({name: ts[0] for name, ts in times.items()})  # the first round's
    out["writes"], out["writes_cpu"] = times, cpu
    out["paths"] = dict(STATS)
    out["cached"] = result.table
    out["fresh_time"], fresh = timed(lambda s: gaps_from_db(s, p, computed_at=datetime.now(UTC)))
    out["fresh"] = fresh.table
    engine.dispose()
    return out


def peak_rss_mb() -> float:
    """This process's resident high-water mark (VmHWM: unlike ru_maxrss it
    does not inherit the parent's peak across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cached_child(url: str, p, top, queue) -> None:
    queue.put(cached_way(url, p, top))


def _child(name: str, url: str, p, repeat: int, queue, kw) -> None:
    fn = {"naive": naive, "geopandas": geopandas_way, "peacemap": peacemap_way}[name]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(url, p, **kw)
        times.append(time.perf_counter() - t)
    rss_mb = peak_rss_mb()
    queue.put((times, rss_mb, out[["community_id", *FIELDS]]))


def run(name: str, url: str, p, repeat: int = 1, **kw):
    """Run one method in a fresh process; its own peak RSS is reported."""
    return _spawn(_child, (name, url, p, repeat), kw, name)


def _spawn(target, args, kw, name):
    import queue as _queue

    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, q, kw) if kw is not None else (*args, q))
    proc.start()
    while True:
        try:
            result = q.get(timeout=1)
            break
        except _queue.Empty:
            if not proc.is_alive():
                sys.exit(f"{name} failed (exit code {proc.exitcode})")
    proc.join()
    return result


# ----------------------------------------------------------------- comparison
def compare(ref: pd.DataFrame, other: pd.DataFrame, fields=FIELDS) -> dict[str, str]:
    m = ref.merge(other, on="community_id", suffixes=("", "_o"))
    out = {"communities": str(len(m))}
    for f in fields:
        a, b = m[f], m[f + "_o"]
        if f in ("pressure", "distance_to_site_m"):
            a, b = a.astype(float), b.astype(float)
            rel = (a - b).abs() / a.abs().clip(lower=1e-12)
            bad = ~(np.isclose(a, b, rtol=1e-6, atol=1e-9) | (a.isna() & b.isna()))
            out[f] = f"{int(bad.sum())} differ (max rel {np.nanmax(rel.to_numpy()) if len(rel) else 0:.1e})"
        else:
            same = (a.isna() & b.isna()) | (a.astype("object") == b.astype("object")).fillna(False).astype(bool)
            out[f] = f"{int((~same).sum())} differ"
    out["all"] = "yes" if all(v.startswith("0 differ") for k, v in out.items() if k != "communities") else "no"
    return out


def prepare(args, end: date) -> str:
    """The benchmark's database: generated and loaded (with the naive form's
    geography indexes), or, with ``--reuse``, the one a previous run loaded
    for the same scale, seed and end (its tag is the database's comment)."""
    from sqlalchemy import text

    from geo.cluster import LocalCluster
    from geo.db import make_engine, migrate
    from geo.demo import generate, load

    cluster = LocalCluster(BENCH_DIR, fast=True)
    cluster.up()
    tag = f"peacemap bench/gaps.py scale {args.scale} seed {args.seed} end {end}"
    if args.reuse:
        admin = make_engine(cluster.url("postgres"))
        with admin.connect() as conn:
            found = conn.scalar(
                text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :d"), {"d": DB}
            )
        admin.dispose()
        if found == tag:
            url = cluster.url(DB)
            migrate(url)  # a database kept from an older checkout still needs the newer migrations
            print(f"reusing database {DB} ({tag})")
            return url
    t = time.perf_counter()
    scenario = generate(scale=args.scale, seed=args.seed, end=end)
    print(f"generate: {time.perf_counter() - t:.1f} s  {scenario.counts()}")
    cluster.drop_database(DB)
    url = cluster.create_database(DB)
    migrate(url)
    engine = make_engine(url)
    t = time.perf_counter()
    with engine.begin() as conn:
        load(conn, scenario)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        for stmt in GEOGRAPHY_INDEXES:
            conn.execute(text(stmt))
        conn.execute(text("VACUUM ANALYZE"))
        conn.execute(text(f"COMMENT ON DATABASE {DB} IS '{tag}'"))
    engine.dispose()
    print(f"load + index + analyze: {time.perf_counter() - t:.1f} s")
    return url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-naive", action="store_true", help="skip (a) (hours at scale 1)")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database a previous run loaded with the same scale, seed and as_of (minutes at scale 1)",
    )
    ap.add_argument("--load-only", action="store_true", help="prepare the database and stop")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="rounds of the cache part's five writes (each next to the next two top-ranked communities); "
        "the median and worst of each kind are printed",
    )
    ap.add_argument(
        "--naive-every",
        type=int,
        default=1,
        help="run (a) on every N-th community only and extrapolate its time ×N (for scale 1)",
    )
    ap.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"comma-separated parts to run, of {','.join(PARTS)} (default: all; "
        "without end-to-end, the resident run is the reference)",
    )
    ap.add_argument(
        "--baseline",
        type=Path,
        help="another checkout (e.g. `git worktree add /tmp/pm-base main`) whose cold start is measured in turn "
        "with this one's, in the same run",
    )
    ap.add_argument("--cold-rounds", type=int, default=3, help="cold starts per checkout (default 3)")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    if parts - set(PARTS):
        ap.error(f"unknown parts: {', '.join(sorted(parts - set(PARTS)))}")
    if args.skip_naive:
        parts.discard("naive")

    from geo.analysis import GapParams
    from geo.db import make_engine

    end = date(2026, 6, 30)
    p = GapParams(as_of=end)
    print(f"peacemap engagement-gap benchmark — scale {args.scale}, seed {args.seed}, as_of {end}")
    print(
        f"machine: {platform.machine()}, {mp.cpu_count()} cores, "
        f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GB, "
        f"Python {platform.python_version()}"
    )
    url = prepare(args, end)
    if args.load_only:
        return
    engine = make_engine(url)

    print(f"load average at start: {load_average()}")
    res_c = r = None
    if "end-to-end" in parts:
        t_c, rss_c, res_c = run("peacemap", url, p, repeat=3)
        print(f"(c) peacemap end to end: first {t_c[0]:.2f} s, best {min(t_c):.2f} s, peak RSS {rss_c:.0f} MB")
        print(f"    load average: {load_average()}")
    if "resident" in parts:
        r = _spawn(_resident_child, (url, p), None, "resident")
        best = min(r["times"])
        print(
            f"(c) peacemap, inputs resident: read once {r['read']:.2f} s ({r['held_mb']:.0f} MB held); "
            f"full run first {r['times'][0]:.3f} s, best {best:.3f} s; peak RSS {r['rss_mb']:.0f} MB"
        )
        print(
            f"    reasons, built when read (not in the full run): a {PAGE}-row page "
            f"best {min(r['page_reasons']) * 1000:.1f} ms, every row best {min(r['every_reasons']):.3f} s "
            f"(full run + every row's reasons {best + min(r['every_reasons']):.3f} s)"
        )
        print("    changed parameters: " + ", ".join(f"{k} {v:.3f} s" for k, v in r["variants"].items()))
        print("    profile of one run: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in r["profile"].items()))
        print(f"    load average: {load_average()}")
    ref = res_c if res_c is not None else r["table"] if r is not None else None
    if "geopandas" in parts:
        t_b, rss_b, res_b = run("geopandas", url, p)
        vs = [f"{t_b[0] / min(t_c):.1f}× faster end to end" if res_c is not None else ""]
        vs += [f"{t_b[0] / min(r['times']):.0f}× with resident inputs" if r is not None else ""]
        print(
            f"(b) geopandas sjoin+groupby: {t_b[0]:.2f} s, peak RSS {rss_b:.0f} MB  "
            f"→ peacemap is {', '.join(v for v in vs if v)}"
        )
    if "naive" in parts:
        every = max(1, args.naive_every)
        t_a, rss_a, res_a = run("naive", url, p, sample=every if every > 1 else 0)
        full = t_a[0] * every
        note = f" (measured on every {every}th community: {t_a[0]:.1f} s × {every})" if every > 1 else ""
        print(
            f"(a) naive PostGIS per community: {full:.2f} s{note}, peak RSS {rss_a:.0f} MB  "
            + (f"→ peacemap is {full / min(t_c):.1f}× faster" if res_c is not None else "")
        )

    # The cache (the API's path): hits, then one new patrol and one new
    # incident committed, each reflected by the next request.
    k = None
    if "cache" in parts:
        if ref is None:
            ref = _spawn(_child, ("peacemap", url, p, 1), {}, "peacemap")[2]
        top = [int(i) for i in ref["community_id"].iloc[: 2 * max(1, args.rounds)]]
        before = int(ref.iloc[0].days_since_engagement) if pd.notna(ref.iloc[0].days_since_engagement) else None
        k = _spawn(_cached_child, (url, p, top), None, "cache")
        after = k["cached"].set_index("community_id").loc[top[0], "days_since_engagement"]
        print(
            f"(c) cached: first {k['first']:.2f} s, hit on unchanged data {k['hit'] * 1000:.1f} ms; "
            f"new patrol at community {top[0]} (rank 1, days_since_engagement {before} → {after}) committed in "
            f"{k['patrol_commit'] * 1000:.0f} ms, next result {k['patrol'] * 1000:.0f} ms; new incident at {top[1]} "
            f"committed in {k['incident_commit'] * 1000:.0f} ms, next result {k['incident'] * 1000:.0f} ms "
            f"(full recompute {k['fresh_time']:.2f} s; refresh paths {k['paths']})"
        )
        print(
            f"    patrol at a random place: committed in {k['patrol at a random place_commit'] * 1000:.0f} ms, "
            f"next result {k['patrol at a random place'] * 1000:.0f} ms; incident moved (update) "
            f"{k['incident moved'] * 1000:.0f} ms; patrol deleted {k['patrol deleted'] * 1000:.0f} ms"
        )
        every = [t for ts in k["writes"].values() for t in ts]
        print(
            f"    write → next result over {args.rounds} round(s), median · worst: "
            + "; ".join(
                f"{name} {np.median(ts) * 1000:.0f} · {max(ts) * 1000:.0f} ms" for name, ts in k["writes"].items()
            )
            + f"; all writes {np.median(every) * 1000:.0f} · {max(every) * 1000:.0f} ms"
        )
        every = [t for ts in k["writes_cpu"].values() for t in ts]
        print(
            "    the same, CPU time of the computing thread (Python side; PostgreSQL's apart): "
            + "; ".join(
                f"{name} {np.median(ts) * 1000:.0f} · {max(ts) * 1000:.0f} ms" for name, ts in k["writes_cpu"].items()
            )
            + f"; all writes {np.median(every) * 1000:.0f} · {max(every) * 1000:.0f} ms"
        )
        print(f"    load average: {load_average()}")
    engine.dispose()
    if "cold" in parts:
        cold_starts(url, end, args.baseline, args.cold_rounds)
    print(f"load average at end: {load_average()}")

    print("agreement with (c), per field:")
    failures = []
    if res_c is not None and r is not None:
        print(f"  (c) resident:  {compare(res_c, r['table'])}")
        if compare(res_c, r["table"])["all"] != "yes":
            failures.append("the run on resident inputs differs from the run read from PostGIS")
    if "geopandas" in parts and ref is not None:
        print(f"  (b) geopandas: {compare(ref, res_b)}")
    if "naive" in parts and ref is not None:
        fields = FIELDS if args.naive_every <= 1 else FIELDS[:5]  # a sample has its own ranks
        verdict = compare(ref, res_a, fields)
        print(f"  (a) naive:     {verdict}")
        if verdict["all"] != "yes":
            failures.append("peacemap and the naive PostGIS form disagree")
    if k is not None:
        cache_verdict = compare(k["fresh"], k["cached"])
        print(f"  cached after the writes vs a fresh full recompute: {cache_verdict}")
        if after != 0:
            failures.append("the new patrol was not reflected")
        if cache_verdict["all"] != "yes" or len(k["fresh"]) != len(k["cached"]):
            failures.append("the cached result differs from a full recompute")
    if failures:
        sys.exit("; ".join(failures))


def load_average() -> str:
    """The machine's load average (1, 5, 15 min), printed with every figure (the cores are shared)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
