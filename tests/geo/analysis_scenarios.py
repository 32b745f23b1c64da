"""Hand-built inputs for the analysis tests: places set by geodesic bearing and
distance from a community, so expected answers are known exactly."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from geo.analysis import GapInputs

GEOD = Geod(ellps="WGS84")
AS_OF = date(2026, 6, 30)
COMPUTED_AT = datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc)  # what a caller passes as "now"
HOME = (22.0, 6.0)  # lon, lat (Central African Republic)
OCEAN = (-25.0, -15.0)  # for database tests: nobody else's test data lives here
OCEAN_BOX = (-26.5, -16.5, -23.5, -13.5)


def at(origin, azimuth: float, metres: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(origin[0], origin[1], azimuth, metres)
    return float(lon), float(lat)


def ts(d: date, hour: int = 12) -> pd.Timestamp:
    return pd.Timestamp(datetime.combine(d, time(hour), tzinfo=timezone.utc))


class Scenario:
    """Accumulates rows; ``inputs()`` gives the :class:`GapInputs`."""

    def __init__(self):
        self.rows = {k: [] for k in ("communities", "incidents", "patrols", "engagements", "qips", "sites")}

    def _add(self, table, **row):
        row.setdefault("id", len(self.rows[table]) + 1)
        self.rows[table].append(row)
        return row["id"]

    def community(self, where=HOME, population=None, **kw):
        return self._add("communities", name=kw.pop("name", "c"), lon=where[0], lat=where[1],
                         population=np.nan if population is None else population, **kw)

    def incident(self, where, on: date, fatalities=0, geo_precision=1, **kw):
        return self._add("incidents", lon=where[0], lat=where[1], occurred_on=pd.Timestamp(on),
                         fatalities=fatalities, geo_precision=geo_precision, **kw)

    def patrol(self, track, ended: pd.Timestamp, coverage_m=None, **kw):
        geom = shapely.MultiLineString([track]) if not isinstance(track[0][0], (list, tuple)) else shapely.MultiLineString(track)
        return self._add("patrols", ended_at=ended, coverage_m=np.nan if coverage_m is None else coverage_m,
                         geometry=geom, **kw)

    def engagement(self, where, at_time: pd.Timestamp, community_id=None, **kw):
        return self._add("engagements", lon=where[0], lat=where[1], occurred_at=at_time,
                         community_id=np.nan if community_id is None else community_id, **kw)

    def qip(self, where, status, start_on=None, end_on=None, **kw):
        return self._add("qips", lon=where[0], lat=where[1], status=status,
                         start_on=pd.Timestamp(start_on) if start_on else pd.NaT,
                         end_on=pd.Timestamp(end_on) if end_on else pd.NaT, **kw)

    def site(self, where, active_from=None, active_to=None, **kw):
        return self._add("sites", lon=where[0], lat=where[1],
                         active_from=pd.Timestamp(active_from) if active_from else pd.NaT,
                         active_to=pd.Timestamp(active_to) if active_to else pd.NaT, **kw)

    def inputs(self) -> GapInputs:
        frames = {}
        for table, rows in self.rows.items():
            if rows:
                frames[table] = pd.DataFrame(rows)
        return GapInputs.from_frames(**frames)


def store(session, s: Scenario) -> dict[str, dict[int, int]]:
    """Write the scenario through the ORM; returns scenario id → database id per table."""
    from geoalchemy2.shape import from_shape

    from geo.models import Community, Engagement, Incident, Patrol, Qip, Site

    def point(r):
        return from_shape(shapely.Point(r["lon"], r["lat"]), srid=4326)

    def day(v):
        return None if pd.isna(v) else pd.Timestamp(v).date()

    ids: dict[str, dict[int, int]] = {k: {} for k in s.rows}

    def add(table, r, obj):
        session.add(obj)
        session.flush()
        ids[table][r["id"]] = obj.id

    for r in s.rows["communities"]:
        pop = None if pd.isna(r["population"]) else int(r["population"])
        add("communities", r, Community(name=r["name"], population=pop, geom=point(r)))
    for r in s.rows["sites"]:
        add("sites", r, Site(name="site", kind="team_site", active_from=day(r["active_from"]),
                             active_to=day(r["active_to"]), geom=point(r)))
    for r in s.rows["incidents"]:
        add("incidents", r, Incident(occurred_on=day(r["occurred_on"]), event_type="battle", fatalities=r["fatalities"],
                                     geo_precision=r["geo_precision"], geom=point(r)))
    for r in s.rows["patrols"]:
        cov = None if pd.isna(r["coverage_m"]) else r["coverage_m"]
        add("patrols", r, Patrol(started_at=r["ended_at"] - pd.Timedelta(hours=2), ended_at=r["ended_at"],
                                 patrol_type="foot", component="military", coverage_m=cov,
                                 geom=from_shape(r["geometry"], srid=4326)))
    for r in s.rows["engagements"]:
        linked = None if pd.isna(r["community_id"]) else ids["communities"][int(r["community_id"])]
        add("engagements", r, Engagement(occurred_at=r["occurred_at"], kind="townhall", community_id=linked, geom=point(r)))
    for r in s.rows["qips"]:
        add("qips", r, Qip(title="qip", sector="water", status=r["status"], start_on=day(r["start_on"]),
                           end_on=day(r["end_on"]), geom=point(r)))
    return ids
