"""One window definition: the first and the last day of a window count, the
day before does not — for the choropleth, the incident list, the incident grid
and the engagement-gap analysis alike (each over HTTP, as the map asks)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box

from geo.analysis.params import default
from geo.models import AdminArea, Community, Incident

END = date(2024, 5, 29)
DAYS = default("window_days")  # the map's default window is the analysis' default
START = END - timedelta(days=DAYS - 1)
LON, LAT = 131.0, -24.0  # nobody else's test data lives here
BBOX = "130.4,-24.6,131.6,-23.4"
LEVEL = 4


@pytest.fixture
def three_incidents(session):
    """An area holding a community and three incidents 1 km away: on the day
    before the window (100 deaths), its first day (1 death) and its last (2)."""
    area = AdminArea(
        name="window-test",
        level=LEVEL,
        pcode="T-W",
        geom=from_shape(MultiPolygon([box(LON - 0.5, LAT - 0.5, LON + 0.5, LAT + 0.5)]), 4326),
    )
    session.add(area)
    session.flush()
    session.add(Community(name="window-test", geom=from_shape(Point(LON, LAT), 4326), admin_area_id=area.id))
    ids = {}
    for label, day, deaths in (("before", START - timedelta(days=1), 100), ("first", START, 1), ("last", END, 2)):
        incident = Incident(
            occurred_on=day, event_type="battle", fatalities=deaths, geom=from_shape(Point(LON + 0.009, LAT), 4326)
        )
        session.add(incident)
        session.flush()
        ids[label] = incident.id
    session.commit()
    return ids


def test_first_and_last_day_count_everywhere_the_day_before_nowhere(public_client, three_incidents):
    window = {"start": START.isoformat(), "end": END.isoformat()}
    counted = {"first", "last"}
    pressure = (1 + 1) * 2 ** (-(DAYS - 1) / 30) + (1 + 2) * 2**0

    listed = public_client.get("/api/v1/incidents", params={**window, "bbox": BBOX}).json()
    assert {f["id"] for f in listed["features"]} == {three_incidents[k] for k in counted}

    grid = public_client.get("/map/incident-grid", params={**window, "bbox": BBOX}).json()
    assert grid["numberMatched"] == 2
    assert sum(f["properties"]["deaths"] for f in grid["features"]) == 1 + 2

    areas = public_client.get("/map/admin-areas", params={**window, "level": LEVEL, "bbox": BBOX}).json()
    (area,) = [f["properties"] for f in areas["features"] if f["properties"]["name"] == "window-test"]
    assert area["incidents"] == 2 and area["pressure"] == pytest.approx(pressure, abs=1e-3)

    gaps = public_client.get(
        "/api/v1/analysis/engagement-gaps", params={"as_of": END.isoformat(), "window_days": DAYS, "bbox": BBOX}
    ).json()
    (community,) = [f["properties"] for f in gaps["features"] if f["properties"]["name"] == "window-test"]
    assert (community["incidents_window"], community["fatalities_window"]) == (2, 1 + 2)
    assert community["pressure"] == pytest.approx(pressure, rel=1e-12)


def test_the_map_asks_the_analysis_for_its_own_window(public_client, three_incidents):
    """The default map window is the analysis' default length, ending on the
    given day; the communities layer asks for as_of = its end, window_days = its length
    (and remoteness as travel time, docs/reach.md#travel-time)."""
    html = public_client.get("/map", params={"end": END.isoformat()}).text
    assert f'"start": "{START.isoformat()}"' in html and f'"end": "{END.isoformat()}"' in html
    assert f'"params":{{"as_of":"{END.isoformat()}","window_days":{DAYS},"remoteness":"travel_time"}}' in html
