"""The admin-area choropleth figures, against the real PostGIS."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, Polygon

from geo.analysis import GapParams, gaps_from_db
from geo.analysis.areas import admin_area_figures, default_level
from geo.models import AdminArea, Community, Engagement, Incident
from geo.window import DateWindow

WINDOW = DateWindow(date(2024, 4, 1), date(2024, 6, 30))


def _wiggly_square(x0: float, y0: float, size: float = 1.0, n: int = 400) -> MultiPolygon:
    """A square whose bottom edge has ``n`` tiny zig-zags (simplification removes them)."""
    bottom = [(x0 + size * i / n, y0 + (0.0005 if i % 2 else 0.0)) for i in range(n + 1)]
    return MultiPolygon([Polygon([*bottom, (x0 + size, y0 + size), (x0, y0 + size)])])


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


def test_pressure_and_counts_per_area(session):
    """The analysis' kernel per area: (1 + deaths) · 2^(−age/30), precision 3 and out-of-window excluded;
    under-engaged counts from the analysis of the same window."""
    west, east = _area(session, "west", 100.0), _area(session, "east", 101.0)
    _area(session, "province", 100.0, level=1)
    engaged = _community(session, west, 100.20)
    _community(session, west, 100.25)  # 3.3 km from a deadly incident, never engaged: under-engaged
    _community(session, east, 101.50)  # 1.1 km from a riot, never engaged: under-engaged
    session.add_all(
        [
            Incident(occurred_on=date(2024, 6, 20), event_type="battle", fatalities=2, geom=_point(100.22)),
            Incident(
                occurred_on=date(2024, 6, 20), event_type="battle", fatalities=9, geo_precision=3, geom=_point(100.3)
            ),
            Incident(occurred_on=date(2024, 3, 1), event_type="battle", fatalities=9, geom=_point(100.3)),
            Incident(occurred_on=date(2024, 6, 25), event_type="riot", fatalities=0, geom=_point(101.51)),
            Engagement(
                occurred_at=datetime(2024, 6, 25, 10, tzinfo=UTC),
                kind="townhall",
                community_id=engaged.id,
                geom=_point(100.20),
            ),  # 5 days before the window end
        ]
    )
    session.flush()
    assert default_level(session) == 2

    fc = admin_area_figures(session, WINDOW, level=2, bbox=(99.5, -1.0, 102.5, 2.0))
    props = {f["properties"]["name"]: f["properties"] for f in fc["features"]}
    assert set(props) == {"west", "east"}
    west_p, east_p = 3 * 2 ** (-10 / 30), 1 * 2 ** (-5 / 30)
    assert props["west"]["incidents"] == 1 and props["west"]["pressure"] == pytest.approx(west_p, abs=1e-3)
    assert props["east"]["incidents"] == 1 and props["east"]["pressure"] == pytest.approx(east_p, abs=1e-3)
    assert props["west"]["pressure_share"] == 1.0
    assert props["east"]["pressure_share"] == pytest.approx(east_p / west_p, abs=1e-3)
    assert (props["west"]["communities"], props["west"]["under_engaged"]) == (2, 1)
    assert (props["east"]["communities"], props["east"]["under_engaged"]) == (1, 1)

    # A brute count from the analysis result of the same window.
    result = gaps_from_db(session, GapParams(as_of=WINDOW.end, window_days=WINDOW.days), computed_at=datetime.now(UTC))
    flagged = {int(r.community_id) for r in result.table.itertuples() if r.under_engaged}
    for area in (west, east):
        linked = session.query(Community.id).filter(Community.admin_area_id == area.id).all()
        brute = sum(1 for (cid,) in linked if cid in flagged)
        assert props[area.name]["under_engaged"] == brute


def test_boundaries_are_simplified_and_bbox_filtered(session):
    _area(session, "far", 120.0)
    window = DateWindow(date(2024, 1, 1), date(2024, 6, 30))
    fc = admin_area_figures(session, window, level=2, bbox=(119.5, -1.0, 121.5, 2.0))
    assert [f["properties"]["name"] for f in fc["features"]] == ["far"]
    geometry = fc["features"][0]["geometry"]
    ring = geometry["coordinates"][0][0] if geometry["type"] == "MultiPolygon" else geometry["coordinates"][0]
    assert len(ring) < 20  # 400 zig-zags of 55 m vanish at the ~1 km tolerance
    assert admin_area_figures(session, window, level=2, bbox=(140.0, -1.0, 141.0, 1.0))["features"] == []


def test_an_area_counts_the_communities_inside_it_at_any_level(session):
    """A province over two districts, and the mission area over all: their figures count the
    communities inside them (the rule of the analysis of one area), not only those linked to
    them, which no community is; a community linked to nothing counts where it lies. The
    reference is shapely's point-in-polygon on the same shapes, and the analysis of each area."""
    west, east = _area(session, "w2", 110.0), _area(session, "e2", 111.0)
    province = AdminArea(
        name="province2",
        level=1,
        pcode="T-province2",
        geom=from_shape(MultiPolygon([Polygon([(110, 0), (112, 0), (112, 1), (110, 1)])]), 4326),
    )
    mission = AdminArea(
        name="mission2",
        level=0,
        pcode="T-mission2",
        geom=from_shape(MultiPolygon([Polygon([(109, -1), (113, -1), (113, 2), (109, 2)])]), 4326),
    )
    session.add_all([province, mission])
    session.flush()
    points = {"a": (110.2, west), "b": (110.7, west), "c": (111.4, east), "d": (111.6, None), "e": (112.5, None)}
    for x, linked in points.values():
        _community(session, linked, x)
    session.add(Incident(occurred_on=date(2024, 6, 25), event_type="riot", fatalities=0, geom=_point(111.41)))
    session.flush()

    params = GapParams(as_of=WINDOW.end, window_days=WINDOW.days)
    result = gaps_from_db(session, params, computed_at=datetime.now(UTC))
    flagged = {int(r.community_id) for r in result.table.itertuples() if r.under_engaged}
    ids = {
        name: session.query(Community.id).filter(Community.name == f"c{x}").scalar() for name, (x, _) in points.items()
    }
    shapes = {
        "w2": _wiggly_square(110.0, 0.0),
        "e2": _wiggly_square(111.0, 0.0),
        "province2": Polygon([(110, 0), (112, 0), (112, 1), (110, 1)]),
        "mission2": Polygon([(109, -1), (113, -1), (113, 2), (109, 2)]),
    }
    box = (108.0, -2.0, 114.0, 3.0)
    for level in (0, 1, 2):
        fc = admin_area_figures(session, WINDOW, level=level, bbox=box)
        for f in fc["features"]:
            p = f["properties"]
            inside = {n for n, (x, _) in points.items() if shapes[p["name"]].intersects(Point(x, 0.5))}
            assert p["communities"] == len(inside), p["name"]
            assert p["under_engaged"] == sum(ids[n] in flagged for n in inside), p["name"]
            # The same communities as the analysis of that one area.
            area_id = f["id"]
            in_area = set(
                gaps_from_db(session, params, computed_at=datetime.now(UTC), admin_area=area_id)
                .table["community_id"]
                .tolist()
            )
            assert in_area == {ids[n] for n in inside}, p["name"]
    by_name = {
        f["properties"]["name"]: f["properties"]
        for f in admin_area_figures(session, WINDOW, level=0, bbox=box)["features"]
    }
    assert by_name["mission2"]["communities"] == 5  # none is linked to it
    assert by_name["mission2"]["under_engaged"] >= 1  # c111.4, beside the riot, never engaged
