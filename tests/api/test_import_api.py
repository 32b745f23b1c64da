"""POST /api/v1/{resource}/import: keys, size cap, counts report, errors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from geo.models import Incident, Patrol


@pytest.fixture
def ucdp(imports_dir):
    return imports_dir / "ucdp_malformed.csv"


def _upload(client, resource, path, headers=None, **params):
    with open(path, "rb") as fh:
        return client.post(
            f"/api/v1/{resource}/import",
            files={"file": (path.name, fh, "text/csv")},
            headers=headers or {},
            params=params,
        )


def test_needs_an_editor_key(client, viewer, session, count, ucdp):
    assert _upload(client, "incidents", ucdp).status_code == 401
    res = _upload(client, "incidents", ucdp, viewer)
    assert res.status_code == 403 and res.json()["code"] == "forbidden"
    assert count(session, Incident) == 0


def test_editor_upload_returns_the_counts_report_then_updates(client, editor, session, count, ucdp):
    res = _upload(client, "incidents", ucdp, editor)
    assert res.status_code == 201, res.text
    body = res.json()
    assert (body["format"], body["read"], body["inserted"], body["rejected"]) == ("ucdp", 11, 2, 9)
    assert body["row_label"] == "line" and body["file"] == "ucdp_malformed.csv"
    dup = next(r for r in body["rejects"] if r["row"] == 7)
    assert dup["field"] == "source_id" and "duplicate" in dup["reason"]
    assert count(session, Incident, source="ucdp-ged") == 2
    again = _upload(client, "incidents", ucdp, editor)
    assert again.status_code == 200 and (again.json()["inserted"], again.json()["updated"]) == (0, 2)
    assert count(session, Incident, source="ucdp-ged") == 2


def test_dry_run_and_options_as_query_parameters(client, editor, session, imports_dir, count):
    gpx = imports_dir / "patrols_four_tracks.gpx"
    res = _upload(client, "patrols", gpx, editor, dry_run="true", set=["component=joint", "patrol_type=air"])
    assert res.status_code == 200 and res.json()["inserted"] == 3 and res.json()["dry_run"] is True
    assert count(session, Patrol) == 0
    res = _upload(client, "patrols", gpx, editor, set=["component=joint"])
    assert res.status_code == 201 and res.json()["imported"] == 2
    assert set(session.scalars(select(Patrol.component))) == {"joint"}


def test_unparsable_upload_is_422_and_changes_nothing(client, editor, session, imports_dir, count):
    res = _upload(client, "incidents", imports_dir / "empty.csv", editor)
    assert res.status_code == 422 and res.json()["field"] == "file" and "empty" in res.json()["detail"]
    res = _upload(client, "incidents", imports_dir / "ucdp_missing_columns.csv", editor, format="ucdp")
    assert res.status_code == 422 and "missing column" in res.json()["detail"]
    res = _upload(client, "incidents", imports_dir / "ucdp_malformed.csv", editor, map=["nonsense"])
    assert res.status_code == 422 and res.json()["field"] == "map"
    assert client.post("/api/v1/incidents/import", headers=editor, data={"x": "1"}).status_code == 422
    assert count(session, Incident) == 0


def test_upload_over_the_cap_is_413(make_client, session, editor, imports_dir, count):
    with make_client(max_upload_mb=0.0005) as small:  # 500 bytes
        res = _upload(small, "incidents", imports_dir / "acled_current.csv", editor)
        assert res.status_code == 413 and res.json()["code"] == "too_large"
        assert (
            _upload(small, "incidents", imports_dir / "ucdp_missing_columns.csv", editor, format="ucdp").status_code
            == 422
        )
    assert count(session, Incident) == 0


def test_encoding_is_detected_and_reported(client, editor, session, acled_1252):
    res = _upload(client, "incidents", acled_1252, editor)
    assert res.status_code == 201, res.text
    body = res.json()
    assert (body["format"], body["encoding"], body["encoding_detected"], body["inserted"]) == (
        "acled",
        "windows-1252",
        True,
        8,
    )
    assert session.scalar(select(Incident.location_name).where(Incident.source_id == "CEN1202")) == "Nd\u00e9l\u00e9"
    forced = _upload(client, "incidents", acled_1252, editor, encoding="latin-1", dry_run="true")
    assert (forced.json()["encoding"], forced.json()["encoding_detected"]) == ("latin-1", False)


@pytest.mark.parametrize("encoding", ["utf-16", "rot13", "utf\x008", "no-such-codec"])
def test_bad_encodings_are_422_naming_encoding(client, editor, session, encoding, count, acled_1252):
    res = _upload(client, "incidents", acled_1252, editor, encoding=encoding)
    assert res.status_code == 422, res.text
    assert res.json()["field"] == "encoding" and res.json()["code"] == "invalid"
    assert count(session, Incident) == 0


def test_import_route_does_not_shadow_the_resource_routes(client, editor):
    assert client.get("/api/v1/incidents", headers=editor).status_code == 200
    assert client.get("/api/v1/incidents/import", headers=editor).status_code in (404, 405, 422)
