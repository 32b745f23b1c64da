"""Far dates are read exactly, never wrapped (docs/analysis.md#supported-dates).

The API and the database keep dates in 1900 … 2100, but rows stored before
that rule (migration 0004 leaves them in place) and in-memory inputs can hold
any date. A site whose ``active_to`` is 9999-12-31 is open: it used to wrap
through int64 nanoseconds to 1816 and look closed, so its community measured
to a farther site; with pandas ≥ 2 the loader raised instead (a 500)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import text

from geo.analysis import GapInputs, compute_gaps, gaps_from_db


def _sites(s, near_from, near_to):
    """A community, an undated site 50 km north and a site 20 km south active
    from/to the given dates (Python dates: pandas' nanoseconds cannot hold them)."""
    c = s.community(s.OCEAN, name="far-dates")
    (far_lon, far_lat), (near_lon, near_lat) = s.at(s.OCEAN, 0, 50_000), s.at(s.OCEAN, 180, 20_000)
    rows = pd.DataFrame(
        {
            "id": [1, 2],
            "lon": [far_lon, near_lon],
            "lat": [far_lat, near_lat],
            "active_from": pd.Series([None, near_from], dtype=object),
            "active_to": pd.Series([None, near_to], dtype=object),
        }
    )
    return c, rows


@pytest.mark.parametrize(
    ("active_from", "active_to", "open_on_as_of"),
    [
        (None, date(9999, 12, 31), True),  # "no end" written as a far date: open
        (date(1600, 1, 1), None, True),  # active since long ago
        (date(1600, 1, 1), date(1700, 1, 1), False),  # closed long ago (wrapped to 2184 it looked open)
        (date(2500, 1, 1), None, False),  # not yet open
    ],
)
def test_far_active_dates_in_memory_are_exact(scenario, active_from, active_to, open_on_as_of):
    s = scenario()
    c, sites = _sites(s, active_from, active_to)
    frames = {"communities": pd.DataFrame(s.rows["communities"]), "sites": sites}
    t = compute_gaps(GapInputs.from_frames(**frames), s.PARAMS, computed_at=s.COMPUTED_AT).with_reasons()
    row = t.set_index("community_id").loc[c]
    assert row["distance_to_site_m"] == pytest.approx(20_000 if open_on_as_of else 50_000, abs=0.01)
    assert row["nearest_site_id"] == (2 if open_on_as_of else 1)
    assert row["reasons"][2] == ("20 km" if open_on_as_of else "50 km") + " from the nearest mission site"


def _without_date_checks(session, *tables: str) -> None:
    """Rows as stored before migration 0004 (the test's transaction is rolled back, constraints included)."""
    for table in tables:
        names = session.execute(
            text(
                "SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) AND conname LIKE '%\\_range'"
            ),
            {"t": table},
        ).scalars()
        for name in list(names):
            session.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))


@pytest.mark.parametrize(
    ("active_from", "active_to", "open_on_as_of"),
    [
        ("NULL", "'9999-12-31'", True),
        ("NULL", "'infinity'", True),
        ("'1600-01-01'", "NULL", True),
        ("'-infinity'", "NULL", True),
        ("'1600-01-01'", "'1700-01-01'", False),
        ("'4000-01-01'", "'infinity'", False),
    ],
)
def test_far_active_dates_stored_before_the_range_rule_are_read_exactly(
    session, scenario, active_from, active_to, open_on_as_of
):
    s = scenario()
    s.community(s.OCEAN, name="far-dates")
    s.site(s.at(s.OCEAN, 0, 50_000))
    ids = s.store(session)
    _without_date_checks(session, "sites")
    near = s.at(s.OCEAN, 180, 20_000)
    site = session.execute(
        text(
            "INSERT INTO sites (name, kind, active_from, active_to, geom) VALUES "
            f"('far', 'team_site', {active_from}, {active_to}, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) RETURNING id"
        ),
        {"x": near[0], "y": near[1]},
    ).scalar_one()
    row = gaps_from_db(session, s.PARAMS, computed_at=s.COMPUTED_AT, bbox=s.OCEAN_BOX).table.iloc[0]
    assert row["community_id"] == ids["communities"][1]
    assert row["nearest_site_id"] == (site if open_on_as_of else ids["sites"][1])
    assert row["distance_to_site_m"] == pytest.approx(20_000 if open_on_as_of else 50_000, abs=0.01)


def test_far_event_dates_stored_before_the_range_rule_are_read_exactly(session, scenario):
    """A QIP that ends in 9999 is running (dated by its start); a patrol that
    ended in 1600 is 426 years old, not wrapped into the future."""
    s = scenario()
    s.community(s.OCEAN, name="far-events")
    far_west = s.community(s.at(s.OCEAN, 270, 60_000), name="far-west")
    ids = s.store(session)
    _without_date_checks(session, "qips", "patrols")
    qip = session.execute(
        text(
            "INSERT INTO qips (title, sector, status, start_on, end_on, geom) VALUES "
            "('q', 'water', 'in_progress', :start, '9999-12-31', ST_SetSRID(ST_MakePoint(:x, :y), 4326)) RETURNING id"
        ),
        {"start": s.AS_OF - timedelta(days=10), "x": s.OCEAN[0], "y": s.OCEAN[1]},
    ).scalar_one()
    west = s.at(s.OCEAN, 270, 60_000)
    patrol = session.execute(
        text(
            "INSERT INTO patrols (started_at, ended_at, patrol_type, component, geom) VALUES "
            "('1600-01-01 06:00+00', '1600-01-01 08:00+00', 'foot', 'military', "
            "ST_Multi(ST_SetSRID(ST_MakeLine(ST_MakePoint(:x, :y), ST_MakePoint(:x + 0.01, :y)), 4326))) RETURNING id"
        ),
        {"x": west[0], "y": west[1]},
    ).scalar_one()
    t = gaps_from_db(session, s.PARAMS, computed_at=s.COMPUTED_AT, bbox=s.OCEAN_BOX).table.set_index("community_id")
    here = t.loc[ids["communities"][1]]
    assert (here["last_engagement_kind"], here["last_engagement_id"], here["days_since_engagement"]) == ("qip", qip, 10)
    there = t.loc[ids["communities"][far_west]]
    assert (there["last_engagement_kind"], there["last_engagement_id"]) == ("patrol", patrol)
    assert there["days_since_engagement"] == (s.AS_OF - date(1600, 1, 1)).days
    assert there["last_engagement_at"] == pd.Timestamp("1600-01-01 08:00", tz="UTC")
