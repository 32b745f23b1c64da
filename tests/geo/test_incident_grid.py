"""Incident grid counts for wide views, against the real PostGIS."""

from __future__ import annotations

from datetime import date

from geoalchemy2.shape import from_shape
from shapely.geometry import Point

from geo.incident_grid import incident_grid
from geo.models import Incident
from geo.window import DateWindow


def _incident(session, x: float, y: float, day: date, deaths: int) -> None:
    session.add(Incident(occurred_on=day, event_type="battle", fatalities=deaths, geom=from_shape(Point(x, y), 4326)))


def test_every_incident_in_view_and_window_is_counted_once(session):
    june = date(2024, 6, 15)
    for i in range(30):  # a cluster of 30 around (150.1, -30.1)
        _incident(session, 150.1 + i * 1e-4, -30.1, june, deaths=i % 3)
    for i in range(5):  # another cell
        _incident(session, 151.7, -31.7 + i * 1e-4, june, deaths=10)
    _incident(session, 150.1, -30.1, date(2023, 1, 1), deaths=99)  # before the window
    _incident(session, 160.0, -30.1, june, deaths=99)  # outside the view
    session.flush()

    fc = incident_grid(
        session, bbox=(150.0, -32.0, 152.0, -30.0), window=DateWindow(date(2024, 4, 1), date(2024, 6, 30))
    )
    assert fc["numberMatched"] == 35
    cells = sorted(
        (f["properties"]["count"], f["properties"]["deaths"], f["properties"]["fatalities"]) for f in fc["features"]
    )
    assert cells == [(5, 50, 10), (30, 30, 2)]
    big = next(f for f in fc["features"] if f["properties"]["count"] == 30)
    x, y = big["geometry"]["coordinates"]
    assert abs(x - (150.1 + 14.5e-4)) < 1e-4 and abs(y + 30.1) < 1e-9
    assert fc["cellDegrees"] == 2.0 / 48


def test_empty_view(session):
    fc = incident_grid(
        session, bbox=(-10.0, -10.0, -9.0, -9.0), window=DateWindow(date(2024, 1, 1), date(2024, 12, 31))
    )
    assert fc["numberMatched"] == 0 and fc["features"] == []
