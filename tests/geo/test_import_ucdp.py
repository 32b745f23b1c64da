"""UCDP GED → incidents, on the real CAR file and on hand-made broken ones."""

from __future__ import annotations

import pyogrio
import pytest
from sqlalchemy import func, select

from geo.errors import InvalidInput
from geo.io.formats import import_file
from geo.models import AuditLog, Incident

GED = "ged231_CAR_482_sample.geojson"


@pytest.fixture(scope="module")
def ged(real_data):
    return pyogrio.read_dataframe(real_data / GED)


def test_real_car_file_every_event_imported_or_rejected_and_deaths_preserved(session, real_data, ged, count):
    report = import_file(session, "incidents", real_data / GED)
    assert report.format == "ucdp"
    assert report.read == len(ged) and report.imported + report.rejected == len(ged)
    kept_ids = {str(i) for i in ged.id} - {r.source_id for r in report.rejects}
    expected_deaths = int(ged[ged.id.astype(str).isin(kept_ids)].best.sum())
    stored = session.scalar(select(func.sum(Incident.fatalities)).where(Incident.source == "ucdp-ged"))
    assert stored == expected_deaths
    assert count(session, Incident, source="ucdp-ged") == report.imported
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "import")) >= 1


def test_real_car_file_field_mapping(session, real_data, ged):
    import_file(session, "incidents", real_data / GED)
    row = ged[ged.id == 36210].iloc[0]  # where_prec 5, date_prec 1, LRA vs Uganda, 3 deaths
    inc = session.scalars(select(Incident).where(Incident.source_id == "36210")).one()
    assert (inc.geo_precision, inc.date_precision, inc.event_type) == (3, 1, "battle")
    assert (inc.actor1, inc.actor2, inc.fatalities) == (row.side_a, row.side_b, row.best)
    assert str(inc.occurred_on) == "2009-02-20" and inc.civilian_targeting is False
    by_prec = dict(
        session.execute(
            select(Incident.geo_precision, func.count())
            .where(Incident.source == "ucdp-ged")
            .group_by(Incident.geo_precision)
        ).all()
    )
    wp = ged.where_prec.value_counts()
    assert by_prec == {1: wp.get(1, 0) + wp.get(2, 0), 2: wp.get(3, 0), 3: int(wp[wp.index >= 4].sum())}
    one_sided = session.scalar(
        select(func.count()).where(Incident.event_type == "violence_against_civilians", Incident.source == "ucdp-ged")
    )
    assert one_sided == int((ged.type_of_violence == 3).sum())
    civ = session.scalar(select(func.count()).where(Incident.civilian_targeting, Incident.source == "ucdp-ged"))
    assert civ == int(((ged.deaths_civilians > 0) | (ged.type_of_violence == 3)).sum())
    communal = ged[(ged.side_a == "Christians (CAR)") & (ged.side_b == "Muslims (CAR)")]
    clashes = session.scalars(
        select(Incident.event_type).where(Incident.source_id.in_([str(i) for i in communal.id]))
    ).all()
    assert clashes and set(clashes) == {"intercommunal_clash"}


def test_reimport_updates_instead_of_duplicating(session, real_data, count):
    first = import_file(session, "incidents", real_data / GED)
    again = import_file(session, "incidents", real_data / GED)
    assert again.inserted == 0 and again.updated == first.imported
    assert count(session, Incident, source="ucdp-ged") == first.imported


def test_dry_run_counts_but_writes_nothing(session, real_data, ged, count):
    report = import_file(session, "incidents", real_data / GED, dry_run=True)
    assert report.dry_run and report.inserted == len(ged)
    assert count(session, Incident, source="ucdp-ged") == 0


def test_malformed_csv_rejects_each_bad_row_with_line_field_and_reason(session, imports_dir, reasons):
    report = import_file(session, "incidents", imports_dir / "ucdp_malformed.csv")
    got = reasons(report)
    assert report.read == 11 and report.imported + report.rejected == 11
    assert report.row_label == "line"
    assert got[3][0][0] == "date_start" and "2021-02-30" in got[3][0][1]
    assert got[4][0][0] == "latitude" and "swapped" in got[4][0][1]
    assert got[5][0][0] == "longitude" and "±180" in got[5][0][1]
    assert got[6][0][0] == "latitude" and "missing" in got[6][0][1]
    assert got[7] == [("source_id", "duplicate id '9001': already at line 2; the later row is not imported")]
    assert got[8][0][0] == "type_of_violence" and "above 3" in got[8][0][1]
    assert got[9][0][0] == "best" and "below 0" in got[9][0][1]
    assert got[10][0][0] == "id"
    assert got[12][0][0] == "date_start"
    assert set(got) == {3, 4, 5, 6, 7, 8, 9, 10, 12}
    stored = session.scalars(select(Incident).where(Incident.source == "ucdp-ged").order_by(Incident.source_id)).all()
    assert [i.source_id for i in stored] == ["9001", "9010"]
    assert stored[1].event_type == "intercommunal_clash" and stored[1].geo_precision == 3
    assert stored[1].date_precision == 4


def test_missing_columns_is_an_error_and_changes_nothing(session, imports_dir, count):
    with pytest.raises(InvalidInput, match=r"missing column.*where_prec.*best|missing column.*best") as exc:
        import_file(session, "incidents", imports_dir / "ucdp_missing_columns.csv", fmt="ucdp")
    assert exc.value.field
    assert count(session, Incident) == 0


def test_empty_file_is_an_error(session, imports_dir):
    with pytest.raises(InvalidInput, match="empty") as exc:
        import_file(session, "incidents", imports_dir / "empty.csv")
    assert exc.value.field == "file"
