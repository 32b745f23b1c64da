"""From PostGIS to ranked results: the loader feeds the core the same answer
as the in-memory inputs, honours as_of in SQL, and filters by area."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import text

from geo.analysis import compute_gaps, gaps_from_db
from geo.errors import InvalidInput, NotFound
from geo.models import AdminArea


def _scenario(scenario):
    s = scenario()
    s.community(s.OCEAN, population=500, name="A")
    b = s.community(s.at(s.OCEAN, 0, 40_000), population=50, name="B")
    s.community(s.at(s.OCEAN, 90, 60_000), name="C")
    s.site(s.at(s.OCEAN, 180, 30_000))
    s.incident(s.at(s.OCEAN, 10, 3000), s.AS_OF - timedelta(days=3), fatalities=4)
    s.incident(s.at(s.OCEAN, 10, 3000), s.AS_OF + timedelta(days=3), fatalities=9)
    s.incident(s.at(s.at(s.OCEAN, 0, 40_000), 200, 8000), s.AS_OF - timedelta(days=40), fatalities=1, geo_precision=3)
    s.incident(s.at(s.at(s.OCEAN, 90, 60_000), 0, 9000), s.AS_OF - timedelta(days=10))
    s.patrol([s.at(s.OCEAN, 90, 4000), s.at(s.OCEAN, 90, 20_000)], s.ts(s.AS_OF - timedelta(days=70)))
    s.patrol([s.at(s.OCEAN, 90, 4000), s.at(s.OCEAN, 90, 20_000)], s.ts(s.AS_OF + timedelta(days=1)))
    s.engagement(s.at(s.OCEAN, 0, 90_000), s.ts(s.AS_OF - timedelta(days=20)), community_id=b)
    s.qip(s.at(s.OCEAN, 90, 61_000), "completed", s.AS_OF - timedelta(days=100), s.AS_OF - timedelta(days=65))
    return s


def test_database_results_equal_the_in_memory_core(session, scenario):
    s = _scenario(scenario)
    ids = s.store(session)
    got = gaps_from_db(session, s.PARAMS, computed_at=s.COMPUTED_AT, bbox=s.OCEAN_BOX).table
    want = compute_gaps(s.inputs(), s.PARAMS, computed_at=s.COMPUTED_AT).table
    assert list(got["community_id"]) == [ids["communities"][i] for i in want["community_id"]]
    cols = [
        "days_since_engagement",
        "last_engagement_kind",
        "incidents_window",
        "fatalities_window",
        "pressure",
        "distance_to_site_m",
        "gap_score",
        "under_engaged",
        "rank",
    ]
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), want[cols].reset_index(drop=True))
    by_name = got.set_index("name")
    assert by_name.loc["A", "days_since_engagement"] == 70 and by_name.loc["A", "under_engaged"]
    assert by_name.loc["A", "incidents_window"] == 1
    assert by_name.loc["C", "last_engagement_kind"] == "qip"


def test_admin_area_filter_and_errors(session, scenario):
    s = _scenario(scenario)
    ids = s.store(session)
    area = AdminArea(
        name="west", level=1, geom=from_shape(shapely.MultiPolygon([shapely.box(-26, -16, -24.8, -13.5)]), srid=4326)
    )
    session.add(area)
    session.flush()
    got = gaps_from_db(session, s.PARAMS, computed_at=s.COMPUTED_AT, admin_area=area.id).table
    assert set(got["community_id"]) == {ids["communities"][1], ids["communities"][2]}
    # Events outside the area still count for communities inside it.
    assert got.set_index("name").loc["B", "last_engagement_kind"] == "engagement"
    with pytest.raises(NotFound) as e:
        gaps_from_db(session, s.PARAMS, computed_at=s.COMPUTED_AT, admin_area=10**12)
    assert e.value.field == "admin_area"
    with pytest.raises(InvalidInput):
        gaps_from_db(session, s.PARAMS, computed_at=s.COMPUTED_AT, admin_area=area.id, bbox=s.OCEAN_BOX)


def test_ties_are_broken_by_id_whatever_the_storage_order(session, scenario):
    """Two patrols that ended at the same instant, two engagements at the same
    instant, two QIPs of the same day: the larger id wins (docs/analysis.md#ties)
    even when an update has moved the smaller id's row after the larger one in
    the table (a sequential scan then returns it last)."""
    s = scenario()
    s.community(s.OCEAN, name="tied patrols")
    s.community(s.at(s.OCEAN, 0, 50_000), name="tied engagements")
    s.community(s.at(s.OCEAN, 0, 100_000), name="tied QIPs")
    when = s.ts(s.AS_OF - timedelta(days=4))
    for _ in range(2):
        s.patrol([s.at(s.OCEAN, 90, 1000), s.at(s.OCEAN, 90, 3000)], when)
        s.engagement(s.at(s.OCEAN, 0, 50_500), when)
        s.qip(s.at(s.OCEAN, 0, 100_500), "in_progress", s.AS_OF - timedelta(days=9))
    ids = s.store(session)
    first = {name: min(ids[name].values()) for name in ("patrols", "engagements", "qips")}
    for table, row_id in first.items():  # a new row version of the smaller id, stored after the larger one
        for _ in range(50):  # free space other tests' deletes left may take a new version anywhere: write again
            session.execute(text(f"UPDATE {table} SET source = 'moved' WHERE id = :id"), {"id": row_id})
            order = (
                session.execute(
                    text(f"SELECT id FROM {table} WHERE id = ANY(:ids) ORDER BY ctid"),
                    {"ids": list(ids[table].values())},
                )
                .scalars()
                .all()
            )
            if order[-1] == row_id:
                break
        assert order[-1] == row_id
    t = gaps_from_db(session, s.PARAMS, computed_at=s.COMPUTED_AT, bbox=s.OCEAN_BOX).with_reasons().set_index("name")
    for name, kind, table in (
        ("tied patrols", "patrol", "patrols"),
        ("tied engagements", "engagement", "engagements"),
        ("tied QIPs", "qip", "qips"),
    ):
        assert t.loc[name, "last_engagement_kind"] == kind
        assert t.loc[name, "last_engagement_id"] == max(ids[table].values()), (name, t.loc[name, "reasons"])
