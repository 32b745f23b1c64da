"""Fixtures every test package shares; what only one package needs lives in
that package's conftest.py. Tests receive all of these as fixtures and never
import a test module.

- The database: a real PostGIS started by the suite itself. It runs its own
  embedded cluster under ``PEACEMAP_TEST_DATA_DIR`` (default
  ``.peacemap/test``), separate from the one ``make run`` uses, and creates
  a fresh database for each run. If the cluster cannot be started the suite
  fails loudly: nothing is skipped.
- Files: the hand-made import files and the real-data extracts under
  ``tests/fixtures`` (its README gives their sources and licences).
- Sample rows of every resource, analysis scenarios placed by geodesic
  bearing and distance, and API clients and keys.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import monotonic, sleep

import numpy as np
import pandas as pd
import psycopg
import pytest
import shapely
from fastapi.testclient import TestClient
from geoalchemy2.shape import from_shape
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pyproj import Geod
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.app import create_app
from api.deps import get_read_session, get_session, unit_of_work
from api.live import LiveServer
from api.settings import ApiSettings
from geo import models
from geo.analysis import GapInputs, GapParams
from geo.cluster import LocalCluster
from geo.config import PROJECT_ROOT
from geo.db import libpq_url, make_engine, migrate
from geo.io.export import GAPS_LAYER
from geo.keys import create_key
from geo.resources import REGISTRY

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEST_DATA_DIR = Path(os.environ.get("PEACEMAP_TEST_DATA_DIR", PROJECT_ROOT / ".peacemap" / "test"))
TEST_DB = "peacemap_test"
_GEOD = Geod(ellps="WGS84")


# ---------------------------------------------------------------------------- the database


@pytest.fixture(scope="session")
def cluster() -> LocalCluster:
    c = LocalCluster(TEST_DATA_DIR, fast=True)
    c.up()
    return c


@pytest.fixture(scope="session")
def db_url(cluster: LocalCluster) -> str:
    """A fresh, migrated database for this test run."""
    url = cluster.create_database(TEST_DB)
    migrate(url)
    return url


@pytest.fixture(scope="session")
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    """A session whose every commit is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield s
    finally:
        s.close()
        outer.rollback()
        conn.close()


# ---------------------------------------------------------------------------- the command line


def _run_peacemap(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("peacemap")), *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PEACEMAP_DATABASE_URL": db_url, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def run_peacemap():
    """``run_peacemap(db_url, *args, **env)``: the ``peacemap`` command as a user
    runs it (a real process) against that database; the completed process."""
    return _run_peacemap


# ---------------------------------------------------------------------------- files


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Small extracts of real public data committed with the tests (sources,
    licences and how each was cut: ``tests/fixtures/README.md``)."""
    return FIXTURES / "real"


@pytest.fixture(scope="session")
def imports_dir() -> Path:
    """The hand-made (some broken on purpose) files of the importer tests."""
    return FIXTURES / "imports"


@pytest.fixture(scope="session")
def acled_1252() -> Path:
    """An old ACLED export in Windows-1252 with accented French place names
    (``tests/fixtures/encodings/README.md``)."""
    return FIXTURES / "encodings" / "acled_car_2014_windows1252.csv"


def _write_gpx(path, tracks: dict[str, int]) -> None:
    """One track per entry with that many points, a minute apart."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">',
    ]
    for name, n in tracks.items():
        out.append(f"<trk><name>{name}</name><type>foot</type><trkseg>")
        out += [
            f'<trkpt lat="{6 + k * 1e-4:.6f}" lon="{20 + k * 1e-4:.6f}">'
            f"<time>2024-03-01T{k // 60 % 24:02d}:{k % 60:02d}:00Z</time></trkpt>"
            for k in range(n)
        ]
        out.append("</trkseg></trk>")
    out.append("</gpx>")
    path.write_text("\n".join(out), encoding="utf-8")


@pytest.fixture(scope="session")
def write_gpx():
    """``write_gpx(path, {name: n_points})``: a GPX file with one track per entry."""
    return _write_gpx


def _count(session, model, **where) -> int:
    q = select(func.count()).select_from(model)
    for name, value in where.items():
        q = q.where(getattr(model, name) == value)
    return session.scalar(q)


@pytest.fixture(scope="session")
def count():
    """``count(session, Model, field=value, …)``: the rows of ``Model`` matching every filter."""
    return _count


def _reasons(report) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    for r in report.rejects:
        out.setdefault(r.row, []).append((r.field, r.reason))
    return out


@pytest.fixture(scope="session")
def reasons():
    """``reasons(report)``: row → [(field, reason)] of an import report's rejects."""
    return _reasons


# ---------------------------------------------------------------------------- sample rows


def _g(geom):
    return from_shape(geom, srid=models.SRID)


def _insert_samples(session, n: int = 3, source: str = "sample") -> dict[str, int]:
    """A few rows of every resource with every field filled (arrays, nulls,
    accents, sensitive notes, interlocutors' names linked to engagements).
    Returns rows per GeoPackage layer."""
    sq = MultiPolygon([Polygon([(18, 4), (19.5, 4), (19.5, 5.5), (18, 5.5)])])
    area = models.AdminArea(
        name="Ombella-M'Poko",
        level=1,
        pcode="CF41",
        parent_pcode="CF",
        country="CAF",
        source=source,
        source_id="a1",
        geom=_g(sq),
    )
    session.add(area)
    session.flush()
    site = models.Site(
        name="Bangui HQ",
        kind="hq",
        mission="MINUSCA",
        active_from=date(2014, 9, 15),
        source=source,
        source_id="s1",
        geom=_g(Point(18.5582, 4.3947)),
    )
    session.add(site)
    session.flush()
    comms = []
    for i in range(n):
        c = models.Community(
            name=f"Bossembélé {i}",
            kind="village" if i else "town",
            population=None if i else 7287,
            pcode=f"CF41{i}",
            admin_area_id=area.id,
            source=source,
            source_id=f"c{i}",
            geom=_g(Point(17.6 + i * 0.1234567, 5.27 - i * 0.01)),
        )
        session.add(c)
        comms.append(c)
    session.flush()
    for i in range(n):
        session.add(
            models.Incident(
                occurred_on=date(2024, 3, 1 + i),
                date_precision=1 + i % 2,
                event_type="cattle_raid",
                sub_event_type="Looting" if i else None,
                actor1="3R",
                actor2=None if i else "Anti-balaka",
                fatalities=i * 2,
                civilian_targeting=bool(i % 2),
                targets_mission=False,
                geo_precision=1 + i % 3,
                location_name="Bouar",
                notes=f"confidential source note {i}",
                source=source,
                source_id=f"i{i}",
                geom=_g(Point(15.6 + i / 7, 5.93 + i / 9)),
            )
        )
        session.add(
            models.Engagement(
                occurred_at=datetime(2024, 3, 2 + i, 9, 30, 15, tzinfo=UTC),
                kind="townhall",
                community_id=comms[i].id,
                constituencies=["women", "youth"][: i + 1] if i < 2 else [],
                participants_women=12,
                participants_men=None,
                participants_total=30,
                summary="Réunion — accès à l'eau",
                follow_up=None,
                source=source,
                source_id=f"e{i}",
                geom=_g(Point(17.6 + i * 0.1, 5.27)),
            )
        )
        session.add(
            models.Qip(
                title=f"Forage {i}",
                sector="water",
                status="in_progress",
                budget_usd=25000.5 + i,
                start_on=date(2024, 1, 1),
                end_on=None if i else date(2024, 6, 30),
                implementing_partner="ONG locale",
                funded_by="civilian",
                beneficiaries=1200,
                community_id=comms[i].id,
                source=source,
                source_id=f"q{i}",
                geom=_g(Point(17.61 + i * 0.1, 5.28)),
            )
        )
        session.add(
            models.Patrol(
                started_at=datetime(2024, 3, 1 + i, 6, tzinfo=UTC),
                ended_at=datetime(2024, 3, 1 + i, 14, 45, tzinfo=UTC),
                patrol_type="vehicle",
                component="military",
                unit="PAKBATT",
                site_id=site.id,
                coverage_m=None if i else 7500.0,
                source=source,
                source_id=f"p{i}",
                geom=_g(MultiLineString([LineString([(18.5582, 4.3947), (17.6 + i * 0.1, 5.27), (17.7, 5.3)])])),
            )
        )
    session.add(
        models.Agreement(
            name="Accord Nana-Bakassa/Kouki",
            signed_on=date(2017, 5, 1),
            status="in_force",
            parties=["Peuls", "Agriculteurs de Kouki"],
            issues=["cattle_taxation", "freedom_of_movement"],
            facilitated_by="MINUSCA Civil Affairs",
            pax_id="2301",
            source=source,
            source_id="g1",
            geom=_g(MultiPolygon([Polygon([(17.3, 7.1), (17.6, 7.1), (17.6, 7.4)])])),
        )
    )
    session.add(
        models.Agreement(
            name="Accord de Ndélé",
            signed_on=None,
            status="violated",
            parties=[],
            issues=[],
            source=source,
            source_id="g2",
            geom=_g(Point(20.65, 8.41)),
        )
    )
    people = []
    for i in range(n):
        person = models.Interlocutor(
            pseudonym=f"BSB-{source}-{i:03d}",
            name=f"Zéphirin Ngakola {i}" if i else None,
            role=("traditional_leader", "womens_association", "youth_group")[i % 3],
            gender=("male", "female", "unknown")[i % 3],
            age_band=("45_59", "30_44", "18_29")[i % 3],
            community_id=comms[i].id,
            notes="met at the sous-préfecture" if i else None,
            source=source,
            source_id=f"l{i}",
        )
        session.add(person)
        people.append(person)
        session.add(
            models.Perception(
                survey="Enquête de perception",
                wave=f"wave {i + 1}",
                fielded_on=date(2024, 1, 15) + timedelta(days=30 * i),
                indicator="trust_in_mission",
                value=round(0.5 + (i % 5) / 10, 2),
                sample_size=100 + i,
                community_id=comms[i].id,
                source=source,
                source_id=f"v{i}",
                geom=_g(Point(17.6 + i * 0.1234567, 5.27 - i * 0.01)),
            )
        )
    session.flush()
    engagements = session.scalars(
        select(models.Engagement).where(models.Engagement.source == source).order_by(models.Engagement.id)
    ).all()
    for i, e in enumerate(engagements):  # the first engagement heard two people, the others one
        for person in people[: 2 if i == 0 else 1]:
            session.add(models.EngagementInterlocutor(engagement_id=e.id, interlocutor_id=person.id))
    session.flush()
    session.add(
        models.Road(
            name="Route de Boali",
            ref="RN1",
            highway="primary",
            surface="paved",
            bridge=False,
            source=source,
            source_id="r1",
            geom=_g(MultiLineString([LineString([(18.5582, 4.3947), (18.1, 4.8), (17.6, 5.27)])])),
        )
    )
    session.add(
        models.Waterway(
            name="Mpoko",
            kind="river",
            seasonal=False,
            source=source,
            source_id="w1",
            geom=_g(MultiLineString([LineString([(18.0, 5.2), (18.3, 4.7), (18.45, 4.3)])])),
        )
    )
    session.add(
        models.Waterway(
            name="Lac de Boali",
            kind="reservoir",
            seasonal=True,
            source=source,
            source_id="w2",
            geom=_g(MultiPolygon([Polygon([(18.1, 4.78), (18.15, 4.78), (18.15, 4.82), (18.1, 4.82)])])),
        )
    )
    session.add(
        models.Crossing(
            name="Pont de la Mpoko",
            kind="bridge",
            seasonal=False,
            source=source,
            source_id="x1",
            geom=_g(Point(18.3, 4.7)),
        )
    )
    session.flush()
    counts = {s.table: n for s in REGISTRY.values()}
    counts.update(
        {
            "admin_areas": 1,
            "sites": 1,
            "agreements": 2,
            "roads": 1,
            "waterways": 2,
            "crossings": 1,
            GAPS_LAYER: n,
            "admin_area_figures": 1,
        }
    )
    # Who was heard in the last 180 days: the one area (every area is listed), no community (the samples are of 2024).
    counts.update({"constituencies_by_area": 1, "constituencies_by_community": 0})
    return counts


@pytest.fixture(scope="session")
def insert_samples():
    """``insert_samples(session, n=3, source="sample")``: a few rows of every
    resource with every field filled (arrays, nulls, accents, sensitive
    notes); returns the rows per GeoPackage layer."""
    return _insert_samples


# ---------------------------------------------------------------------------- analysis scenarios


def _at(origin, azimuth: float, metres: float) -> tuple[float, float]:
    lon, lat, _ = _GEOD.fwd(origin[0], origin[1], azimuth, metres)
    return float(lon), float(lat)


def _ts(d: date, hour: int = 12) -> pd.Timestamp:
    return pd.Timestamp(datetime.combine(d, time(hour), tzinfo=UTC))


class Scenario:
    """Hand-built inputs for the analysis tests: places set by geodesic
    bearing and distance from a community, so expected answers are known
    exactly. Accumulates rows; ``inputs()`` gives the :class:`GapInputs`,
    ``store(session)`` writes them through the ORM.

    ``at(origin, azimuth, metres)`` is the point that far along that bearing
    (pyproj's geodesic, independent of the code under test); ``ts(day, hour)``
    a UTC timestamp on that day. ``AS_OF`` is the scenarios' evaluation day
    and ``PARAMS`` the default parameters on it; ``COMPUTED_AT`` is what a
    caller passes as "now" (the core never reads the clock); ``HOME`` is where a
    community stands unless told otherwise; database tests work around
    ``OCEAN`` (inside ``OCEAN_BOX``), where no other test's data lives.
    """

    AS_OF = date(2026, 6, 30)
    PARAMS = GapParams(as_of=AS_OF)
    COMPUTED_AT = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    HOME = (22.0, 6.0)  # lon, lat (Central African Republic)
    OCEAN = (-25.0, -15.0)
    OCEAN_BOX = (-26.5, -16.5, -23.5, -13.5)
    at = staticmethod(_at)
    ts = staticmethod(_ts)

    def __init__(self):
        self.rows = {k: [] for k in ("communities", "incidents", "patrols", "engagements", "qips", "sites")}

    def _add(self, table, **row):
        row.setdefault("id", len(self.rows[table]) + 1)
        self.rows[table].append(row)
        return row["id"]

    def community(self, where=HOME, population=None, **kw):
        return self._add(
            "communities",
            name=kw.pop("name", "c"),
            lon=where[0],
            lat=where[1],
            population=np.nan if population is None else population,
            **kw,
        )

    def incident(self, where, on: date, fatalities=0, geo_precision=1, **kw):
        return self._add(
            "incidents",
            lon=where[0],
            lat=where[1],
            occurred_on=pd.Timestamp(on),
            fatalities=fatalities,
            geo_precision=geo_precision,
            **kw,
        )

    def patrol(self, track, ended: pd.Timestamp, coverage_m=None, **kw):
        geom = (
            shapely.MultiLineString([track])
            if not isinstance(track[0][0], (list, tuple))
            else shapely.MultiLineString(track)
        )
        return self._add(
            "patrols", ended_at=ended, coverage_m=np.nan if coverage_m is None else coverage_m, geometry=geom, **kw
        )

    def engagement(self, where, at_time: pd.Timestamp, community_id=None, **kw):
        return self._add(
            "engagements",
            lon=where[0],
            lat=where[1],
            occurred_at=at_time,
            community_id=np.nan if community_id is None else community_id,
            **kw,
        )

    def qip(self, where, status, start_on=None, end_on=None, **kw):
        return self._add(
            "qips",
            lon=where[0],
            lat=where[1],
            status=status,
            start_on=pd.Timestamp(start_on) if start_on else pd.NaT,
            end_on=pd.Timestamp(end_on) if end_on else pd.NaT,
            **kw,
        )

    def site(self, where, active_from=None, active_to=None, **kw):
        return self._add(
            "sites",
            lon=where[0],
            lat=where[1],
            active_from=pd.Timestamp(active_from) if active_from else pd.NaT,
            active_to=pd.Timestamp(active_to) if active_to else pd.NaT,
            **kw,
        )

    def inputs(self) -> GapInputs:
        frames = {}
        for table, rows in self.rows.items():
            if rows:
                frames[table] = pd.DataFrame(rows)
        return GapInputs.from_frames(**frames)

    def store(self, session) -> dict[str, dict[int, int]]:
        """Write the scenario through the ORM; returns scenario id → database id per table."""

        def point(r):
            return from_shape(shapely.Point(r["lon"], r["lat"]), srid=4326)

        def day(v):
            return None if pd.isna(v) else pd.Timestamp(v).date()

        ids: dict[str, dict[int, int]] = {k: {} for k in self.rows}

        def add(table, r, obj):
            session.add(obj)
            session.flush()
            ids[table][r["id"]] = obj.id

        for r in self.rows["communities"]:
            pop = None if pd.isna(r["population"]) else int(r["population"])
            add("communities", r, models.Community(name=r["name"], population=pop, geom=point(r)))
        for r in self.rows["sites"]:
            add(
                "sites",
                r,
                models.Site(
                    name="site",
                    kind="team_site",
                    active_from=day(r["active_from"]),
                    active_to=day(r["active_to"]),
                    geom=point(r),
                ),
            )
        for r in self.rows["incidents"]:
            add(
                "incidents",
                r,
                models.Incident(
                    occurred_on=day(r["occurred_on"]),
                    event_type="battle",
                    fatalities=r["fatalities"],
                    geo_precision=r["geo_precision"],
                    geom=point(r),
                ),
            )
        for r in self.rows["patrols"]:
            cov = None if pd.isna(r["coverage_m"]) else r["coverage_m"]
            add(
                "patrols",
                r,
                models.Patrol(
                    started_at=r["ended_at"] - pd.Timedelta(hours=2),
                    ended_at=r["ended_at"],
                    patrol_type="foot",
                    component="military",
                    coverage_m=cov,
                    geom=from_shape(r["geometry"], srid=4326),
                ),
            )
        for r in self.rows["engagements"]:
            linked = None if pd.isna(r["community_id"]) else ids["communities"][int(r["community_id"])]
            add(
                "engagements",
                r,
                models.Engagement(occurred_at=r["occurred_at"], kind="townhall", community_id=linked, geom=point(r)),
            )
        for r in self.rows["qips"]:
            add(
                "qips",
                r,
                models.Qip(
                    title="qip",
                    sector="water",
                    status=r["status"],
                    start_on=day(r["start_on"]),
                    end_on=day(r["end_on"]),
                    geom=point(r),
                ),
            )
        return ids


@pytest.fixture(scope="session")
def scenario() -> type[Scenario]:
    """The analysis scenario builder: ``s = scenario()`` starts an empty
    scenario; ``scenario.AS_OF``, ``scenario.at(…)`` and the rest of its class
    attributes are there without one (see :class:`Scenario`)."""
    return Scenario


# ---------------------------------------------------------------------------- API clients and keys


@pytest.fixture
def make_client(db_url, session):
    """``make_client(**settings)``: the real app with these :class:`ApiSettings`
    over the test database, every request in the test's rolled-back session
    (use it as a context manager). No analysis warm-up unless asked for:
    these requests see the test's uncommitted rows, which the cache never holds."""

    def make(**settings) -> TestClient:
        app = create_app(ApiSettings(**{"warm_analysis": False, **settings}), db_url=db_url)

        def test_session():
            yield from unit_of_work(session)

        app.dependency_overrides[get_session] = test_session
        app.dependency_overrides[get_read_session] = test_session  # the feature pages' autocommit pool
        return TestClient(app)

    return make


@pytest.fixture
def client(make_client):
    """The app with ``public_read`` off: reads need a key."""
    with make_client(public_read=False) as c:
        yield c


@pytest.fixture
def public_client(make_client):
    """The app with ``public_read`` on."""
    with make_client(public_read=True) as c:
        yield c


@pytest.fixture
def api_key(session):
    """``api_key(role)``: headers carrying a new key of that role."""

    def make(role: str) -> dict:
        secret = create_key(session, f"test-{role}", role)
        session.commit()  # ends the savepoint, so a failed request's rollback keeps the key
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def viewer(api_key) -> dict:
    """Headers carrying a viewer key."""
    return api_key("viewer")


@pytest.fixture
def editor(api_key) -> dict:
    return api_key("editor")


@pytest.fixture
def admin(api_key) -> dict:
    return api_key("admin")


# ---------------------------------------------------------------------------- a live server over committed data

LIVE_DB = "peacemap_test_live"


@pytest.fixture(scope="session")
def live_db_url(cluster) -> str:
    """A migrated database of its own where writes are committed for real
    (the fault, concurrency and cold-start tests run a live server over it);
    each test marks its rows (``source``) and counts only those."""
    url = cluster.create_database(LIVE_DB)
    migrate(url)
    yield url
    cluster.drop_database(LIVE_DB)


@pytest.fixture
def serve():
    """``serve(db_url, **settings)``: the real app over ``db_url`` served by
    uvicorn on a free port (:class:`api.live.LiveServer`), stopped after the
    test. No analysis warm-up unless asked for (``warm_analysis=True``)."""
    servers = []

    def start(db_url: str, **settings) -> LiveServer:
        server = LiveServer(create_app(ApiSettings(**{"warm_analysis": False, **settings}), db_url=db_url))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def committed_key():
    """``committed_key(db_url, role)``: headers with a new key of that role, committed in that database."""

    def make(db_url: str, role: str) -> dict:
        eng = make_engine(db_url)
        try:
            with Session(eng) as s, s.begin():
                secret = create_key(s, f"live-{role}-{os.urandom(4).hex()}", role)
        finally:
            eng.dispose()
        return {"Authorization": f"Bearer {secret}"}

    return make


class _TableLock:
    """An ACCESS EXCLUSIVE lock on one table, held by a connection of its
    own: every statement touching the table waits until ``release()`` — a
    real slow database, without timing anything."""

    def __init__(self, url: str, table: str):
        self.url = url
        self.conn = psycopg.connect(libpq_url(url), autocommit=False)
        self.conn.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')

    def waiting(self) -> int:
        """Backends of this database now waiting for a lock."""
        with psycopg.connect(libpq_url(self.url), autocommit=True) as c:
            return c.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


@pytest.fixture
def lock_table():
    """``lock_table(db_url, table)``: a :class:`_TableLock`, released after the test at the latest."""
    locks = []

    def take(url: str, table: str) -> _TableLock:
        lock = _TableLock(url, table)
        locks.append(lock)
        return lock

    yield take
    for lock in locks:
        lock.release()


def _wait_for(predicate, what: str, timeout_s: float = 60.0):
    """Poll ``predicate`` until it returns something truthy (returned); fail naming ``what``."""
    deadline = monotonic() + timeout_s
    while True:
        got = predicate()
        if got:
            return got
        if monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        sleep(0.05)


@pytest.fixture(scope="session")
def wait_for():
    """``wait_for(predicate, what, timeout_s=60)``: poll until ``predicate()``
    is truthy (a liveness bound, not a timing)."""
    return _wait_for


@pytest.fixture
def checkouts_during(monkeypatch):
    """``checkouts_during(module, name, engine)``: a list that receives, each
    time ``module.name`` is called, how many of ``engine``'s connections are
    checked out at that moment; the real function still runs (a spy)."""

    def watch(module, name: str, engine) -> list[int]:
        seen: list[int] = []
        real = getattr(module, name)

        def counted(*args, **kwargs):
            seen.append(engine.pool.checkedout())
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
        return seen

    return watch


# Hypothesis profiles: "default" (make test) and "thorough" (make test-thorough,
# or HYPOTHESIS_PROFILE=thorough). Deadlines off: example times vary with the
# machine's load; the property tests bound their own sizes.
hypothesis_settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
