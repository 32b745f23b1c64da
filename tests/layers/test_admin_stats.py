"""The admin-area choropleth figures, against the real PostGIS."""

from __future__ import annotations

from datetime import datetime, timezone

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, Polygon

from geo.models import AdminArea, Community, CommunityStatus
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


def _community(session, area: AdminArea | None, x: float, under: bool | None, pressure: float = 0.0) -> None:
    c = Community(name=f"c{x}", geom=from_shape(Point(x, 0.5), 4326), admin_area_id=area.id if area else None)
    session.add(c)
    session.flush()
    if under is not None:
        session.add(CommunityStatus(community_id=c.id, computed_at=datetime.now(timezone.utc), params={},
                                    under_engaged=under, pressure=pressure))
        session.flush()


def test_counts_under_engaged_communities_per_area(session):
    west, east = _area(session, "west", 100.0), _area(session, "east", 101.0)
    _area(session, "province", 100.0, level=1)
    _community(session, west, 100.2, True, 2.5)
    _community(session, west, 100.4, True, 1.0)
    _community(session, west, 100.6, False, 0.5)
    _community(session, west, 100.8, None)  # never analysed
    _community(session, east, 101.5, False, 0.0)
    assert default_level(session) == 2

    fc = admin_choropleth(session, level=2, bbox=(99.5, -1.0, 102.5, 2.0))
    props = {f["properties"]["name"]: f["properties"] for f in fc["features"]}
    assert set(props) == {"west", "east"}
    assert (props["west"]["communities"], props["west"]["under_engaged"], props["west"]["pressure"]) == (4, 2, 4.0)
    assert (props["east"]["communities"], props["east"]["under_engaged"], props["east"]["pressure"]) == (1, 0, 0.0)


def test_boundaries_are_simplified_and_bbox_filtered(session):
    _area(session, "far", 120.0)
    fc = admin_choropleth(session, level=2, bbox=(119.5, -1.0, 121.5, 2.0))
    assert [f["properties"]["name"] for f in fc["features"]] == ["far"]
    geometry = fc["features"][0]["geometry"]
    ring = geometry["coordinates"][0][0] if geometry["type"] == "MultiPolygon" else geometry["coordinates"][0]
    assert len(ring) < 20  # 400 zig-zags of 55 m vanish at the ~1 km tolerance
    assert admin_choropleth(session, level=2, bbox=(140.0, -1.0, 141.0, 1.0))["features"] == []
