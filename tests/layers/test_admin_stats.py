"""The admin-area choropleth figures, against the real PostGIS."""

from __future__ import annotations

from datetime import date, datetime, timezone

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, Polygon

from geo.models import AdminArea, Community, Engagement, Incident, Site
from layers.admin_stats import admin_choropleth, default_level


def _wiggly_square(x0: float, y0: float, size: float = 1.0, n: int = 400) -> MultiPolygon:
    """A square whose bottom edge has ``n`` tiny zig-zags (simplification removes them)."""
    bottom = [(x0 + size * i / n, y0 + (0.0005 if i % 2 else 0.0)) for i in range(n + 1)]
    return MultiPolygon([Polygon(bottom + [(x0 + size, y0 + size), (x0, y0 + size)])])


def _area(session, name: str, x0: float, level: int = 2) -> AdminArea:
    area = AdminArea(name=name, level=level, pcode=f"T-{name}", geom=from_shape(_wiggly_square(x0, 0.0), 4326))
    session.add(area)
    session.flush()
    return area


def _community(session, area: AdminArea | None, x: float) -> Community:
    c = Community(name=f"c{x}", geom=from_shape(Point(x, 0.5), 4326), admin_area_id=area.id if area else None)
    session.add(c)
    session.flush()
    return c


def _point(x: float, y: float = 0.5):
    return from_shape(Point(x, y), 4326)


def test_counts_under_engaged_communities_per_area(session):
    """Under-engaged = violence within 10 km and no engagement for 60+ days (DESIGN §5.4)."""
    west, east = _area(session, "west", 100.0), _area(session, "east", 101.0)
    _area(session, "province", 100.0, level=1)
    _community(session, west, 100.20)
    _community(session, west, 100.25)
    _community(session, west, 100.90)  # > 10 km from any incident
    engaged = _community(session, east, 101.50)
    session.add_all([
        Site(name="base", kind="team_site", geom=_point(100.5, 0.9)),
        Incident(occurred_on=date(2024, 6, 20), event_type="battle", fatalities=2, geom=_point(100.22)),
        Incident(occurred_on=date(2024, 6, 25), event_type="battle", fatalities=0, geom=_point(101.51)),
        Engagement(occurred_at=datetime(2024, 6, 1, tzinfo=timezone.utc), kind="townhall",
                   community_id=engaged.id, geom=_point(101.50)),
    ])
    session.flush()
    assert default_level(session) == 2

    fc = admin_choropleth(session, level=2, as_of=date(2024, 6, 30), bbox=(99.5, -1.0, 102.5, 2.0))
    props = {f["properties"]["name"]: f["properties"] for f in fc["features"]}
    assert set(props) == {"west", "east"}
    assert (props["west"]["communities"], props["west"]["under_engaged"]) == (3, 2)
    assert props["west"]["pressure"] > 0
    assert (props["east"]["communities"], props["east"]["under_engaged"]) == (1, 0)
    # Before the incidents happened there is no pressure, so nobody is under-engaged.
    before = admin_choropleth(session, level=2, as_of=date(2024, 6, 1), bbox=(99.5, -1.0, 102.5, 2.0))
    assert {f["properties"]["under_engaged"] for f in before["features"]} == {0}


def test_boundaries_are_simplified_and_bbox_filtered(session):
    _area(session, "far", 120.0)
    fc = admin_choropleth(session, level=2, bbox=(119.5, -1.0, 121.5, 2.0))
    assert [f["properties"]["name"] for f in fc["features"]] == ["far"]
    geometry = fc["features"][0]["geometry"]
    ring = geometry["coordinates"][0][0] if geometry["type"] == "MultiPolygon" else geometry["coordinates"][0]
    assert len(ring) < 20  # 400 zig-zags of 55 m vanish at the ~1 km tolerance
    assert admin_choropleth(session, level=2, bbox=(140.0, -1.0, 141.0, 1.0))["features"] == []
