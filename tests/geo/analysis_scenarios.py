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
HOME = (22.0, 6.0)  # lon, lat (Central African Republic)


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
