"""From PostGIS to :class:`GapInputs`: only the columns the analysis reads,
points as x/y (no geometry parsing), tracks as WKB, and the date filters
(``as_of``, the incident window) applied in SQL so old rows never travel.

When an ``area`` is given, events are read only within that area grown by
the largest radius (on the constant side, so the GiST indexes are used),
plus the engagements linked to its communities."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta, timezone

import numpy as np
import pandas as pd
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import BigInteger, Float, any_, bindparam, cast, false, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from geo.analysis.inputs import GapInputs
from geo.analysis.params import GapParams
from geo.errors import InvalidInput, NotFound
from geo.models import SRID, AdminArea, Community, Engagement, Incident, Patrol, Qip, Site

M_PER_DEG_LAT = 110_574.0


def _frame(session: Session, stmt, columns) -> pd.DataFrame:
    """One row of ``array_agg`` per column, fetched in binary: psycopg's C
    loaders turn each array into a list at once, where per-row objects (and
    hex-encoded WKB) would cost ten times the query at mission scale. Dates
    travel as epoch seconds (see :func:`_epoch`)."""
    sub = stmt.subquery()
    agg = select(*[func.array_agg(c) for c in sub.c])
    compiled = agg.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    raw = session.connection().connection.driver_connection
    with raw.cursor(binary=True) as cur:
        cur.execute(compiled.string, compiled.params)
        row = cur.fetchone()
    return pd.DataFrame({name: pd.Series([] if values is None else values, dtype=object)
                         for name, values in zip(columns, row)})


def _epoch(col):
    """A date/timestamp column as float seconds since 1970-01-01 UTC (NULL stays NULL)."""
    return cast(func.extract("epoch", col), Float)


def _times(df: pd.DataFrame, col: str, utc: bool) -> None:
    df[col] = pd.to_datetime(np.asarray(df[col].to_numpy(), dtype=float), unit="s", utc=utc)


def _xy(model):
    return func.ST_X(model.geom).label("lon"), func.ST_Y(model.geom).label("lat")


def area_filter(session: Session, *, bbox=None, admin_area: int | None = None):
    """The analysed area as a shapely geometry (lon/lat), or None for everywhere."""
    if bbox is not None and admin_area is not None:
        raise InvalidInput("give either bbox or admin_area, not both", field="bbox")
    if bbox is not None:
        minx, miny, maxx, maxy = bbox
        return shapely.box(minx, miny, maxx, maxy)
    if admin_area is not None:
        wkb = session.scalar(select(func.ST_AsBinary(AdminArea.geom)).where(AdminArea.id == admin_area))
        if wkb is None:
            raise NotFound(f"admin area {admin_area} does not exist", field="admin_area")
        return shapely.from_wkb(bytes(wkb))
    return None


def grown_bounds(minx: float, miny: float, maxx: float, maxy: float, margin_m: float) -> tuple[float, float, float, float]:
    """A lon/lat box grown by ``margin_m`` (conservatively, in degrees)."""
    dlat = margin_m / M_PER_DEG_LAT * 1.01
    top = min(89.0, max(abs(miny), abs(maxy)) + dlat)
    dlon = min(180.0, margin_m / (111_320.0 * math.cos(math.radians(top))) * 1.01)
    return max(-180.0, minx - dlon), max(-90.0, miny - dlat), min(180.0, maxx + dlon), min(90.0, maxy + dlat)


def grown_envelope(area, margin_m: float):
    """The area's envelope grown by ``margin_m``, as an SQL envelope."""
    return func.ST_MakeEnvelope(*grown_bounds(*area.bounds, margin_m), SRID)


def load_inputs(session: Session, params: GapParams, area=None, *,
                max_coverage_m: float | None = None, tables=None) -> tuple[GapInputs, list[int] | None]:
    """Read everything the analysis needs; returns the inputs and, with an
    ``area``, the ids of the communities inside it. ``max_coverage_m`` (the
    largest ``coverage_m`` of the patrols ended by ``as_of``, if the caller
    knows it) saves a scan of the patrols. ``tables`` (names) limits the
    reading to those tables; the others come back empty."""

    def skip(name: str):
        return [] if tables is None or name in tables else [false()]
    cutoff = datetime.combine(params.as_of + timedelta(days=1), time.min, tzinfo=timezone.utc)
    first_day = params.as_of - timedelta(days=params.window_days - 1)

    def near(model, radius_m: float):
        return [] if area is None else [model.geom.op("&&")(grown_envelope(area, radius_m))]

    only = None
    com_where = []
    if area is not None:
        shape = from_shape(area, srid=SRID)
        only = list(session.scalars(select(Community.id).where(func.ST_Intersects(Community.geom, shape))))
        if max_coverage_m is None:
            max_coverage_m = session.scalar(select(func.max(Patrol.coverage_m))) or 0
        patrol_reach = max(params.patrol_radius_m, max_coverage_m)
        reach = max(patrol_reach, params.engagement_radius_m, params.qip_radius_m, params.incident_radius_m)
        com_where = near(Community, 0)  # communities themselves: just the envelope
    else:
        patrol_reach = reach = 0.0

    communities = _frame(session, select(Community.id, Community.name, *_xy(Community), Community.population)
                         .where(*com_where, *skip("communities")), ("id", "name", "lon", "lat", "population"))
    incidents = _frame(session, select(Incident.id, *_xy(Incident), _epoch(Incident.occurred_on), Incident.fatalities,
                                       Incident.geo_precision)
                       .where(Incident.occurred_on >= first_day, Incident.occurred_on <= params.as_of,
                              *near(Incident, params.incident_radius_m), *skip("incidents")),
                       ("id", "lon", "lat", "occurred_on", "fatalities", "geo_precision"))
    patrols = _frame(session, select(Patrol.id, _epoch(Patrol.ended_at), Patrol.coverage_m, func.ST_AsBinary(Patrol.geom))
                     .where(Patrol.ended_at < cutoff, *near(Patrol, patrol_reach), *skip("patrols")),
                     ("id", "ended_at", "coverage_m", "wkb"))
    patrols["geometry"] = shapely.from_wkb(patrols.pop("wkb").to_numpy()) if len(patrols) else []
    linked_or_near = [] if area is None else [or_(*near(Engagement, params.engagement_radius_m),
                                                  Engagement.community_id == any_(bindparam("only", only, type_=ARRAY(BigInteger))))]
    engagements = _frame(session, select(Engagement.id, *_xy(Engagement), _epoch(Engagement.occurred_at), Engagement.community_id)
                         .where(Engagement.occurred_at < cutoff, *linked_or_near, *skip("engagements")),
                         ("id", "lon", "lat", "occurred_at", "community_id"))
    qips = _frame(session, select(Qip.id, *_xy(Qip), Qip.status, _epoch(Qip.start_on), _epoch(Qip.end_on))
                  .where(Qip.status.in_(("in_progress", "completed")), *near(Qip, params.qip_radius_m), *skip("qips")),
                  ("id", "lon", "lat", "status", "start_on", "end_on"))
    sites = _frame(session, select(Site.id, *_xy(Site), _epoch(Site.active_from), _epoch(Site.active_to)).where(*skip("sites")),
                   ("id", "lon", "lat", "active_from", "active_to"))
    for df, col in ((incidents, "occurred_on"), (qips, "start_on"), (qips, "end_on"),
                    (sites, "active_from"), (sites, "active_to")):
        _times(df, col, utc=False)
    for df, col in ((patrols, "ended_at"), (engagements, "occurred_at")):
        _times(df, col, utc=True)
    for df, col in ((communities, "population"), (patrols, "coverage_m"), (engagements, "community_id")):
        df[col] = np.asarray(df[col].to_numpy(), dtype=float)
    for df in (communities, incidents, engagements, qips, sites):
        df["lon"], df["lat"] = np.asarray(df["lon"].to_numpy(), float), np.asarray(df["lat"].to_numpy(), float)
    for df, col in ((communities, "id"), (incidents, "id"), (incidents, "fatalities"), (incidents, "geo_precision"),
                    (patrols, "id"), (engagements, "id"), (qips, "id"), (sites, "id")):
        df[col] = np.asarray(df[col].to_numpy(), dtype=np.int64)
    return GapInputs(communities, incidents, patrols, engagements, qips, sites), only


def gaps_from_db(session: Session, params: GapParams | None = None, *, bbox=None, admin_area: int | None = None):
    """The engagement gaps of the committed data, computed now (never stale)."""
    from geo.analysis.gaps import compute_gaps

    params = params or GapParams()
    area = area_filter(session, bbox=bbox, admin_area=admin_area)
    inputs, only = load_inputs(session, params, area)
    return compute_gaps(inputs, params, only=only)
