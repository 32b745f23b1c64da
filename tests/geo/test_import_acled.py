"""ACLED CSV → incidents, current lower-case export and the older upper-case one."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from geo.io.formats import import_file
from geo.models import Incident


def _by_id(session) -> dict[str, Incident]:
    return {i.source_id: i for i in session.scalars(select(Incident).where(Incident.source == "acled"))}


def test_current_export(session, imports_dir, reasons):
    report = import_file(session, "incidents", imports_dir / "acled_current.csv")
    assert report.format == "acled" and (report.read, report.imported, report.rejected) == (7, 4, 3)
    got = reasons(report)
    assert got[6][0][0] == "event_date" and "2023-13-01" in got[6][0][1]
    assert got[7][0][0] == "event_type" and "'weather'" in got[7][0][1]
    assert got[8][0][0] == "geo_precision" and "above 3" in got[8][0][1]
    rows = _by_id(session)
    clash, abduction, ied, protest = rows["CEN1001"], rows["CEN1002"], rows["CEN1003"], rows["CEN1004"]
    assert (clash.event_type, clash.fatalities, clash.occurred_on, clash.geo_precision) == (
        "battle",
        3,
        date(2023, 5, 14),
        1,
    )
    assert abduction.event_type == "abduction" and abduction.civilian_targeting and abduction.date_precision == 2
    assert ied.event_type == "explosion_remote_violence" and ied.targets_mission and not clash.targets_mission
    assert protest.event_type == "protest" and protest.location_name == "Bangui"


def test_older_upper_case_export_with_mixed_date_formats(session, imports_dir, reasons):
    report = import_file(session, "incidents", imports_dir / "acled_old_export.csv")
    assert report.format == "acled" and (report.imported, report.rejected) == (4, 1)
    assert reasons(report)[6][0][0] == "event_date"  # 22/01/2013 in a 2014 row
    rows = _by_id(session)
    assert rows["CEN100"].occurred_on == date(2014, 1, 18) and rows["CEN100"].event_type == "battle"
    assert rows["CEN100"].fatalities == 12 and rows["CEN100"].actor2 == "Seleka Militia"
    assert rows["CEN101"].occurred_on == date(2014, 1, 19) and rows["CEN101"].event_type == "protest"
    assert rows["CEN102"].event_type == "violence_against_civilians" and rows["CEN102"].civilian_targeting
    assert rows["CEN102"].geo_precision == 2 and rows["CEN102"].date_precision == 2
    assert rows["CEN103"].occurred_on == date(2014, 1, 21) and rows["CEN103"].event_type == "strategic_development"


def test_reimport_is_idempotent(session, imports_dir, count):
    import_file(session, "incidents", imports_dir / "acled_current.csv")
    again = import_file(session, "incidents", imports_dir / "acled_current.csv")
    assert (again.inserted, again.updated) == (0, 4)
    assert count(session, Incident, source="acled") == 4
