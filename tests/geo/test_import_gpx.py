"""GPX tracks → patrols: one patrol per track, times from the points."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from geo.errors import InvalidInput
from geo.io.formats import import_file
from geo.models import Patrol


@pytest.fixture
def gpx(imports_dir):
    return imports_dir / "patrols_four_tracks.gpx"


def test_several_tracks_one_patrol_each_with_times_from_points(session, reasons, gpx):
    report = import_file(
        session, "patrols", gpx, constants={"component": "police", "patrol_type": "vehicle", "coverage_m": "3000"}
    )
    assert report.format == "gpx" and (report.read, report.imported, report.rejected) == (4, 3, 1)
    assert reasons(report)[4][0][0] == "time"
    patrols = {
        p.source_id: p for p in session.scalars(select(Patrol).where(Patrol.source == "gpx:patrols_four_tracks"))
    }
    loop = patrols["Bambari north loop"]
    assert loop.started_at == datetime(2024, 3, 1, 6, 30, tzinfo=UTC)
    assert loop.ended_at == datetime(2024, 3, 1, 10, 45, tzinfo=UTC)
    assert loop.patrol_type == "vehicle" and loop.component == "police" and loop.coverage_m == 3000
    assert session.scalar(select(func.ST_NumGeometries(Patrol.geom)).where(Patrol.id == loop.id)) == 2
    assert patrols["Kaga-Bandoro market"].patrol_type == "foot"  # the track's own <type> wins
    assert patrols["Ndele road"].ended_at == datetime(2024, 3, 3, 7, 30, tzinfo=UTC)


def test_missing_patrol_type_and_component_are_rejected_with_the_option_to_use(session, reasons, gpx):
    report = import_file(session, "patrols", gpx)
    got = reasons(report)
    assert report.imported == 0
    assert ("component", "GPX has no component; pass --set component=military|police|civilian|joint") in got[1]
    assert any(f == "patrol_type" and "--set patrol_type=" in r for f, r in got[3])


def test_unknown_constant_is_an_error(session, gpx):
    with pytest.raises(InvalidInput, match="no field 'colour'") as exc:
        import_file(session, "patrols", gpx, constants={"colour": "blue"})
    assert exc.value.field == "set"


def test_reimport_updates(session, count, gpx):
    opts = {"component": "military", "patrol_type": "foot"}
    import_file(session, "patrols", gpx, constants=opts)
    again = import_file(session, "patrols", gpx, constants={**opts, "unit": "BANBAT-2"})
    assert (again.inserted, again.updated) == (0, 3)
    assert count(session, Patrol, unit="BANBAT-2") == 3
