from datetime import date

import pytest
from shapely.geometry import Point
from sqlalchemy import func, select

from geo.bulk import bulk_upsert, geometry_to_ewkb_hex
from geo.models import Incident

COLS = ["occurred_on", "event_type", "fatalities", "source", "source_id", "geom"]


def _rows(fatalities):
    geoms = geometry_to_ewkb_hex([Point(18.5, 4.4), Point(20.0, 6.0)])
    return [
        (date(2024, 1, 1), "battle", fatalities, "test", "a", geoms[0]),
        (date(2024, 1, 2), "protest", 0, "test", "b", geoms[1]),
    ]


def test_bulk_upsert_inserts_then_updates_without_duplicating(session):
    conn = session.connection()
    first = bulk_upsert(conn, Incident, COLS, _rows(3))
    assert (first.inserted, first.updated) == (2, 0)
    again = bulk_upsert(conn, Incident, COLS, _rows(7))
    assert (again.inserted, again.updated) == (0, 2)
    assert session.scalar(select(func.count()).select_from(Incident).where(Incident.source == "test")) == 2
    assert session.scalar(select(Incident.fatalities).where(Incident.source_id == "a")) == 7
    x = session.scalar(select(func.ST_X(Incident.geom)).where(Incident.source_id == "a"))
    assert x == pytest.approx(18.5)


def test_bulk_upsert_bad_row_raises_and_leaves_nothing(session):
    rows = _rows(1)
    rows[1] = (date(2024, 1, 2), "not-a-type", 0, "test", "b", rows[1][5])
    with pytest.raises(Exception, match="event_type_allowed"), session.begin_nested():
        bulk_upsert(session.connection(), Incident, COLS, rows)
    assert session.scalar(select(func.count()).select_from(Incident).where(Incident.source == "test")) == 0
