"""From PostGIS to :class:`GapInputs`: one small reader per table, each
selecting only the columns the analysis reads (points as x/y, no geometry
parsing; tracks as WKB) and applying its date filter in SQL (``as_of``, the
incident window) so old rows never travel. Rows come ordered by id, so a
full run and a local (cached) one see them in the same order and every tie
the analysis breaks by position is broken by id. Dates and times travel as
integers (day numbers, microseconds): exact for any stored value, so a far
``active_to`` is an open end, not an overflow.

When an ``area`` is given, events are read only within that area grown by
the largest radius (on the constant side, so the GiST indexes are used),
plus the engagements linked to its communities."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pandas as pd
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import BigInteger, any_, bindparam, false, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from geo.analysis.days import day_number
from geo.analysis.fetch import as_times, as_type, epoch_days, epoch_microseconds, fetch_frame
from geo.analysis.gaps import GapResult, active_sites, compute_gaps, within
from geo.analysis.inputs import COLUMNS, GapInputs
from geo.analysis.last_engagement import ACTIVE_QIP
from geo.analysis.params import GapParams
from geo.errors import InvalidInput, NotFound
from geo.models import SRID, AdminArea, Community, Engagement, Incident, Patrol, Qip, Site
from geo.politics import sole_voice  # the module, not its names: it builds on geo.analysis (params, reasons)
from geo.reach.load import Origins, travel_to_sites
from geo.reach.population import community_estimates
from geo.window import DateWindow

M_PER_DEG_LAT = 110_574.0


def area_filter(session: Session, *, bbox=None, admin_area: int | None = None):
    """The analysed area.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    bbox : tuple of 4 float, optional
        minx, miny, maxx, maxy (lon/lat).
    admin_area : int, optional
        An admin area id (not with ``bbox``).

    Returns
    -------
    shapely.Geometry or None
        In lon/lat; None for everywhere.
    """
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


def grown_bounds(
    minx: float, miny: float, maxx: float, maxy: float, margin_m: float
) -> tuple[float, float, float, float]:
    """A lon/lat box grown by ``margin_m`` (conservatively, in degrees).

    Parameters
    ----------
    minx, miny, maxx, maxy : float
        The box.
    margin_m : float
        Metres to add on every side.

    Returns
    -------
    tuple of 4 float
        Clamped to the valid lon/lat range.
    """
    dlat = margin_m / M_PER_DEG_LAT * 1.01
    top = min(89.0, max(abs(miny), abs(maxy)) + dlat)
    dlon = min(180.0, margin_m / (111_320.0 * math.cos(math.radians(top))) * 1.01)
    return max(-180.0, minx - dlon), max(-90.0, miny - dlat), min(180.0, maxx + dlon), min(90.0, maxy + dlat)


def grown_envelope(area, margin_m: float):
    """The area's envelope grown by ``margin_m``.

    Parameters
    ----------
    area : shapely.Geometry
    margin_m : float

    Returns
    -------
    SQL expression
        An ``ST_MakeEnvelope`` in EPSG:4326.
    """
    minx, miny, maxx, maxy = area.bounds
    return func.ST_MakeEnvelope(*grown_bounds(minx, miny, maxx, maxy, margin_m), SRID)


def _inside(area):
    """The one rule of "a community inside an area" (PostGIS ``ST_Intersects``: the
    boundary is inside), for the analysis of an area and the figures per area alike."""
    return func.ST_Intersects(Community.geom, area)


def community_areas(session: Session, area_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which communities lie inside which of some admin areas, by the analysis' own
    rule (:func:`communities_inside`), whatever level the areas are at and whatever
    area a community is linked to (``admin_area_id``): a province's figures count
    its districts' communities, the mission area's all of them.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    area_ids : numpy.ndarray of int
        Sorted ascending.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Community ids and, pair by pair, the position of their area in
        ``area_ids``; a community on a border two areas share is in both.
    """
    rows = session.execute(
        select(Community.id, AdminArea.id)
        .join(AdminArea, _inside(AdminArea.geom))
        .where(AdminArea.id.in_(area_ids.tolist()))
    ).all()
    ids = np.array([r[0] for r in rows], np.int64)
    return ids, np.searchsorted(area_ids, np.array([r[1] for r in rows], np.int64))


def communities_inside(session: Session, area) -> list[int]:
    """The ids of the communities inside ``area`` (PostGIS ``ST_Intersects``:
    the boundary is inside).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    area : shapely.Geometry
        In lon/lat.

    Returns
    -------
    list of int
    """
    return list(session.scalars(select(Community.id).where(_inside(from_shape(area, srid=SRID)))))


@dataclass(frozen=True)
class _Scope:
    """Which rows the readers read: everything, or the rows near ``area``; and
    which tables are read as empty (``skipped``)."""

    area: shapely.Geometry | None = None
    community_ids: list[int] | None = None  # the communities inside ``area``
    patrol_reach_m: float = 0.0  # the largest patrol coverage radius that can reach into it
    skipped: frozenset[str] = frozenset()

    def near(self, model, radius_m: float) -> list:
        """Clauses: rows of ``model`` whose bounding box is within ``radius_m`` of the area."""
        return [] if self.area is None else [model.geom.op("&&")(grown_envelope(self.area, radius_m))]

    def read(self, table: str) -> list:
        """Clauses: none, or one matching no row when ``table`` is skipped."""
        return [false()] if table in self.skipped else []


def _scope(
    session: Session, params: GapParams, area=None, *, max_coverage_m: float | None = None, tables=None
) -> _Scope:
    """What to read for ``area`` (None: everywhere); see :func:`load_inputs`."""
    skipped = frozenset(() if tables is None else set(COLUMNS) - set(tables))
    if area is None:
        return _Scope(skipped=skipped)
    ids = communities_inside(session, area)
    if max_coverage_m is None:
        max_coverage_m = session.scalar(select(func.max(Patrol.coverage_m))) or 0
    return _Scope(area, ids, max(params.patrol_radius_m, max_coverage_m), skipped)


# How each column the readers fetch becomes typed: day numbers → dates
# (naive), microseconds → timestamps (UTC-aware); objects → float (None as
# NaN) or int64.
DATES, TIMESTAMPS = ("occurred_on", "start_on", "end_on", "active_from", "active_to"), ("ended_at", "occurred_at")
FLOATS, INTS = ("lon", "lat", "population", "coverage_m", "community_id"), ("id", "fatalities", "geo_precision")


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for col in df.columns:
        if col in DATES or col in TIMESTAMPS:
            as_times(df, col, utc=col in TIMESTAMPS)
        elif col in FLOATS or col in INTS:
            as_type(df, float if col in FLOATS else np.int64, col)
    return df


def _xy(model):
    return func.ST_X(model.geom).label("lon"), func.ST_Y(model.geom).label("lat")


def after_as_of(params: GapParams) -> datetime:
    """The first instant not counted: midnight UTC after ``as_of``.

    Parameters
    ----------
    params : GapParams

    Returns
    -------
    datetime.datetime
        UTC-aware.
    """
    return datetime.combine(params.as_of + timedelta(days=1), time.min, tzinfo=UTC)


def _read_communities(session: Session, scope: _Scope) -> pd.DataFrame:
    """Communities (inside the area's envelope, if any): ``id``, ``name``, ``lon``, ``lat``, ``population``."""
    df = fetch_frame(
        session,
        select(Community.id, Community.name, *_xy(Community), Community.population).where(
            *scope.near(Community, 0), *scope.read("communities")
        ),
        COLUMNS["communities"],
        order_by="id",
    )
    return _typed(df)


def _read_incidents(session: Session, params: GapParams, scope: _Scope) -> pd.DataFrame:
    """Incidents of ``DateWindow.ending(as_of, window_days)``: ``id``, ``lon``, ``lat``,
    ``occurred_on``, ``fatalities``, ``geo_precision``."""
    window = DateWindow.ending(params.as_of, params.window_days)
    df = fetch_frame(
        session,
        select(
            Incident.id, *_xy(Incident), epoch_days(Incident.occurred_on), Incident.fatalities, Incident.geo_precision
        ).where(
            window.between(Incident.occurred_on),
            *scope.near(Incident, params.incident_radius_m),
            *scope.read("incidents"),
        ),
        COLUMNS["incidents"],
        order_by="id",
    )
    return _typed(df)


def _read_patrols(session: Session, params: GapParams, scope: _Scope) -> pd.DataFrame:
    """Patrols ended by the end of ``as_of``: ``id``, ``ended_at``, ``coverage_m``, ``geometry`` (lon/lat)."""
    df = fetch_frame(
        session,
        select(Patrol.id, epoch_microseconds(Patrol.ended_at), Patrol.coverage_m, func.ST_AsBinary(Patrol.geom)).where(
            Patrol.ended_at < after_as_of(params), *scope.near(Patrol, scope.patrol_reach_m), *scope.read("patrols")
        ),
        ("id", "ended_at", "coverage_m", "wkb"),
        order_by="id",
    )
    df["geometry"] = shapely.from_wkb(df.pop("wkb").to_numpy()) if len(df) else []
    return _typed(df)


def _read_engagements(session: Session, params: GapParams, scope: _Scope) -> pd.DataFrame:
    """Engagements held by the end of ``as_of`` (near the area, or linked to its
    communities): ``id``, ``lon``, ``lat``, ``occurred_at``, ``community_id``."""
    linked_or_near = (
        []
        if scope.area is None
        else [
            or_(
                *scope.near(Engagement, params.engagement_radius_m),
                Engagement.community_id == any_(bindparam("only", scope.community_ids, type_=ARRAY(BigInteger))),
            )
        ]
    )
    df = fetch_frame(
        session,
        select(
            Engagement.id, *_xy(Engagement), epoch_microseconds(Engagement.occurred_at), Engagement.community_id
        ).where(Engagement.occurred_at < after_as_of(params), *linked_or_near, *scope.read("engagements")),
        COLUMNS["engagements"],
        order_by="id",
    )
    return _typed(df)


def _read_qips(session: Session, params: GapParams, scope: _Scope) -> pd.DataFrame:
    """QIPs in progress or completed: ``id``, ``lon``, ``lat``, ``status``, ``start_on``, ``end_on``."""
    df = fetch_frame(
        session,
        select(Qip.id, *_xy(Qip), Qip.status, epoch_days(Qip.start_on), epoch_days(Qip.end_on)).where(
            Qip.status.in_(ACTIVE_QIP), *scope.near(Qip, params.qip_radius_m), *scope.read("qips")
        ),
        COLUMNS["qips"],
        order_by="id",
    )
    return _typed(df)


def _read_sites(session: Session, scope: _Scope) -> pd.DataFrame:
    """Every mission site (the analysis decides which are active on ``as_of``): ``id``, ``lon``,
    ``lat``, ``active_from``, ``active_to``."""
    df = fetch_frame(
        session,
        select(Site.id, *_xy(Site), epoch_days(Site.active_from), epoch_days(Site.active_to)).where(
            *scope.read("sites")
        ),
        COLUMNS["sites"],
        order_by="id",
    )
    return _typed(df)


def origins_of(sites: pd.DataFrame, as_of, site_id: int | None = None) -> Origins:
    """Where travel starts: the sites active on ``as_of`` (the analysis' rule,
    :func:`geo.analysis.gaps.active_sites`), or the one site ``site_id``,
    active or not.

    Parameters
    ----------
    sites : pandas.DataFrame
        ``id``, ``lon``, ``lat``, ``active_from``, ``active_to``.
    as_of : datetime.date
    site_id : int, optional

    Returns
    -------
    Origins
    """
    if site_id is not None:
        chosen = sites[sites["id"] == site_id]
        if chosen.empty:
            raise NotFound(f"site {site_id} does not exist", field="site")
    else:
        chosen = sites[active_sites(sites, day_number(as_of))]
    return Origins(
        tuple(int(v) for v in chosen["id"]), tuple(map(float, chosen["lon"])), tuple(map(float, chosen["lat"]))
    )


def site_origins(session: Session, as_of, site_id: int | None = None) -> Origins:
    """:func:`origins_of` the stored sites.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    as_of : datetime.date
    site_id : int, optional

    Returns
    -------
    Origins
    """
    return origins_of(_read_sites(session, _Scope()), as_of, site_id)


def load_inputs(
    session: Session, params: GapParams, area=None, *, max_coverage_m: float | None = None, tables=None
) -> tuple[GapInputs, list[int] | None]:
    """Read everything the analysis needs.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    params : GapParams
    area : shapely.Geometry, optional
        Read only what can reach the communities inside it.
    max_coverage_m : float, optional
        The largest ``coverage_m`` of the patrols ended by ``as_of``, if the
        caller knows it (saves a scan of the patrols).
    tables : collection of str, optional
        Read only these tables; the others come back empty.

    Returns
    -------
    tuple of (GapInputs, list of int or None)
        The inputs and, with an ``area``, the ids of the communities inside it.
    """
    scope = _scope(session, params, area, max_coverage_m=max_coverage_m, tables=tables)
    inputs = GapInputs(
        communities=_read_communities(session, scope),
        incidents=_read_incidents(session, params, scope),
        patrols=_read_patrols(session, params, scope),
        engagements=_read_engagements(session, params, scope),
        qips=_read_qips(session, params, scope),
        sites=_read_sites(session, scope),
    )
    if params.remoteness == "travel_time" and "sites" not in scope.skipped:
        # The whole mission grid, whatever the area: hours do not depend on the subset asked for.
        inputs.travel = travel_to_sites(session, params.as_of, params.season, origins_of(inputs.sites, params.as_of))
    if "communities" not in scope.skipped:
        inputs.population_estimates = community_estimates(session)
    return inputs, scope.community_ids


def gaps_from_db(
    session: Session, params: GapParams, *, computed_at: datetime, bbox=None, admin_area: int | None = None
) -> GapResult:
    """The engagement gaps of the data ``session`` sees, computed now (never stale).

    An area is a filter, never a re-normalisation (docs/analysis.md#area-subsets):
    the whole mission is scored and ranked, and the rows of the communities
    inside are returned with those scores and ranks.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    params : GapParams
    computed_at : datetime
        When the caller asked (reported with the result).
    bbox : tuple of 4 float, optional
        Only the communities inside (lon/lat).
    admin_area : int, optional
        Only the communities inside this admin area (not with ``bbox``).

    Returns
    -------
    GapResult
    """
    area = area_filter(session, bbox=bbox, admin_area=admin_area)
    inputs, _ = load_inputs(session, params)
    result = compute_gaps(inputs, params, computed_at=computed_at)
    if area is not None:
        result.table = within(result.table, communities_inside(session, area))
    # A reason beside the ranking, not scored (docs/politics.md#sole-voice).
    result.sole_voices = sole_voice.sole_voices(session, params.as_of, sole_voice.sole_voice_run())
    return result
