"""Every resource route, happy path and error paths, with exact status codes."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from geo.models import AuditLog, Incident
from geo.resources import REGISTRY


def example(name: str) -> dict:
    return copy.deepcopy(REGISTRY[name].example)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_crud_round_trip(client, editor, name):
    feature = example(name)
    created = client.post(f"/api/v1/{name}", json=feature, headers=editor)
    assert created.status_code == 201, created.text
    body = created.json()
    fid = body["id"]
    assert body["type"] == "Feature" and isinstance(fid, int)
    for key, value in feature["properties"].items():
        got = body["properties"][key]
        if isinstance(value, str) and value.endswith("Z"):
            assert got.startswith(value[:19]), key
        else:
            assert got == value, key
    assert body["properties"]["created_by"] == "test-editor"

    got = client.get(f"/api/v1/{name}/{fid}", headers=editor)
    assert got.status_code == 200 and got.json()["id"] == fid

    listed = client.get(f"/api/v1/{name}", headers=editor).json()
    assert listed["type"] == "FeatureCollection"
    assert fid in [f["id"] for f in listed["features"]]
    assert listed["numberReturned"] == len(listed["features"]) <= listed["numberMatched"]

    first_prop = next(
        k
        for k, v in feature["properties"].items()
        if isinstance(v, str)
        and k
        not in (
            "occurred_on",
            "started_at",
            "ended_at",
            "occurred_at",
            "signed_on",
            "start_on",
            "end_on",
            "active_from",
            "event_type",
            "kind",
            "status",
            "patrol_type",
            "component",
            "sector",
            "funded_by",
        )
    )
    patched = client.patch(f"/api/v1/{name}/{fid}", json={"properties": {first_prop: "changed"}}, headers=editor)
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"][first_prop] == "changed"

    assert client.delete(f"/api/v1/{name}/{fid}", headers=editor).status_code == 204
    gone = client.get(f"/api/v1/{name}/{fid}", headers=editor)
    assert gone.status_code == 404
    assert gone.json()["code"] == "not_found"


def test_polygon_is_promoted_to_multipolygon(client, editor):
    body = client.post("/api/v1/admin-areas", json=example("admin-areas"), headers=editor).json()
    assert body["geometry"]["type"] == "MultiPolygon"


def _count(session, model=Incident):
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    "mutate, field, words",
    [
        (lambda f: f["geometry"].update(coordinates=[17.0, 95.0]), "geometry", "latitude 95"),
        (lambda f: f["geometry"].update(coordinates=[190.0, 5.0]), "geometry", "longitude 190"),
        (
            lambda f: f["geometry"].update(type="LineString", coordinates=[[17, 5], [18, 6]]),
            "geometry.type",
            "LineString",
        ),
        (lambda f: f["properties"].update(event_type="massacre"), "properties.event_type", "battle"),
        (lambda f: f["properties"].update(fatalities=-1), "properties.fatalities", "greater than or equal"),
        (lambda f: f["properties"].update(occurred_on="2024-13-45"), "properties.occurred_on", "date"),
        (lambda f: f["properties"].update(colour="red"), "properties.colour", "not permitted"),
        (lambda f: f["properties"].pop("event_type"), "properties.event_type", "required"),
        (lambda f: f.update(type="FeatureCollection"), "type", "Feature"),
    ],
)
def test_bad_incident_is_refused_with_the_field_named(client, editor, session, mutate, field, words):
    before = _count(session)
    feature = example("incidents")
    mutate(feature)
    r = client.post("/api/v1/incidents", json=feature, headers=editor)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "invalid"
    assert body["field"].startswith(field), body
    assert words in body["detail"], body
    assert _count(session) == before


def test_nan_coordinate_is_refused(client, editor, session):
    before = _count(session)
    raw = (
        '{"type":"Feature","geometry":{"type":"Point","coordinates":[NaN, 5.0]},'
        '"properties":{"occurred_on":"2024-01-01","event_type":"battle"}}'
    )
    r = client.post("/api/v1/incidents", content=raw, headers={**editor, "content-type": "application/json"})
    assert r.status_code == 422
    assert "finite" in r.json()["detail"] or "NaN" in r.json()["detail"]
    assert _count(session) == before


def test_self_intersecting_polygon_is_refused_and_nothing_stored(client, editor, session):
    from geo.models import Agreement

    before = _count(session, Agreement)
    bowtie = example("agreements")
    bowtie["geometry"] = {"type": "Polygon", "coordinates": [[[17, 6], [18, 7], [18, 6], [17, 7], [17, 6]]]}
    r = client.post("/api/v1/agreements", json=bowtie, headers=editor)
    assert r.status_code == 422
    assert r.json()["field"] == "geometry"
    assert "Self-intersection" in r.json()["detail"]
    assert _count(session, Agreement) == before


def test_end_before_start_is_refused(client, editor):
    qip = example("qips")
    qip["properties"].update(start_on="2024-06-01", end_on="2024-05-01")
    r = client.post("/api/v1/qips", json=qip, headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "properties.end_on"
    patrol = example("patrols")
    patrol["properties"]["ended_at"] = "2024-03-13T00:00:00Z"
    r = client.post("/api/v1/patrols", json=patrol, headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "properties.ended_at"
    r = client.get("/api/v1/incidents?start=2024-05-01&end=2024-04-01", headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "end"


def test_qip_budget_over_cap_is_refused(client, editor):
    qip = example("qips")
    qip["properties"]["budget_usd"] = 60000
    r = client.post("/api/v1/qips", json=qip, headers=editor)
    assert r.status_code == 422
    assert r.json()["field"] == "properties.budget_usd"
    assert "50000" in r.json()["detail"]


def test_patch_is_checked_against_the_stored_record(client, editor):
    fid = client.post("/api/v1/qips", json=example("qips"), headers=editor).json()["id"]
    r = client.patch(f"/api/v1/qips/{fid}", json={"properties": {"end_on": "2020-01-01"}}, headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "properties.end_on"
    r = client.patch(f"/api/v1/qips/{fid}", json={"properties": {"nonsense": 1}}, headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "properties.nonsense"
    r = client.patch(
        f"/api/v1/qips/{fid}", json={"geometry": {"type": "Point", "coordinates": [22.5, 8.5]}}, headers=editor
    )
    assert r.status_code == 200 and r.json()["geometry"]["coordinates"] == [22.5, 8.5]
    assert r.json()["properties"]["title"] == example("qips")["properties"]["title"]
    assert client.patch("/api/v1/qips/999999", json={"properties": {"title": "x"}}, headers=editor).status_code == 404


@pytest.mark.parametrize(
    "query, field",
    [
        ("bbox=19,4,17,7", "bbox"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=10,-95,20,5", "bbox"),
        ("limit=10001", "limit"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("event_type=massacre", "event_type"),
        ("min_fatalities=-3", "min_fatalities"),
        ("start=yesterday", "start"),
    ],
)
def test_bad_list_queries(client, viewer, query, field):
    r = client.get(f"/api/v1/incidents?{query}", headers=viewer)
    assert r.status_code == 422, r.text
    assert r.json()["field"].startswith(field)


def test_list_filters_and_paging(client, editor):
    base = example("incidents")
    ids = []
    for i, (lon, fat, day) in enumerate(
        [(17.0, 0, "2024-01-05"), (17.5, 3, "2024-02-10"), (18.0, 10, "2024-03-15"), (25.0, 1, "2024-03-20")]
    ):
        f = copy.deepcopy(base)
        f["geometry"]["coordinates"] = [lon, 5.5]
        f["properties"].update(fatalities=fat, occurred_on=day, event_type="battle" if i % 2 else "protest")
        ids.append(client.post("/api/v1/incidents", json=f, headers=editor).json()["id"])

    def got(q):
        r = client.get(f"/api/v1/incidents?{q}", headers=editor)
        assert r.status_code == 200, r.text
        return [f["id"] for f in r.json()["features"]]

    assert got("bbox=16.5,5,18.2,6") == ids[:3]
    assert got("min_fatalities=3") == [ids[1], ids[2]]
    assert got("start=2024-02-01&end=2024-03-15") == [ids[1], ids[2]]
    assert got("event_type=battle") == [ids[1], ids[3]]
    assert got("event_type=battle&event_type=protest") == ids

    page = client.get("/api/v1/incidents?limit=2", headers=editor).json()
    assert page["numberMatched"] == 4 and page["numberReturned"] == 2
    nxt = next(link["href"] for link in page["links"] if link["rel"] == "next")
    page2 = client.get(nxt, headers=editor).json()
    assert [f["id"] for f in page2["features"]] == ids[2:]
    assert any(link["rel"] == "prev" for link in page2["links"])
    assert not any(link["rel"] == "next" for link in page2["links"])


def test_date_filter_on_resource_without_date(client, viewer):
    r = client.get("/api/v1/communities?start=2024-01-01", headers=viewer)
    assert r.status_code == 422 and r.json()["field"] == "start"


def test_unknown_id(client, viewer):
    r = client.get("/api/v1/incidents/123456789", headers=viewer)
    assert r.status_code == 404 and r.json() == {
        "detail": "incidents 123456789 does not exist",
        "code": "not_found",
        "field": "id",
    }
    assert client.get("/api/v1/incidents/abc", headers=viewer).status_code == 422


def test_auth_rules(client, viewer, editor, admin):
    f = example("incidents")
    r = client.post("/api/v1/incidents", json=f)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    assert client.get("/api/v1/incidents").status_code == 401
    assert client.get("/api/v1/incidents", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/incidents", headers={"Authorization": "Basic abc"}).status_code == 401
    r = client.post("/api/v1/incidents", json=f, headers=viewer)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert client.get("/api/v1/incidents", headers=viewer).status_code == 200
    assert client.post("/api/v1/incidents", json=f, headers=editor).status_code == 201
    assert client.post("/api/v1/incidents", json=f, headers=admin).status_code == 201


def test_public_read_allows_anonymous_reads_but_not_writes(public_client):
    assert public_client.get("/api/v1/incidents").status_code == 200
    assert public_client.post("/api/v1/incidents", json=example("incidents")).status_code == 401


def test_sensitive_fields_hidden_from_viewers(client, viewer, editor):
    f = example("incidents")
    f["properties"].update(notes="informant: village chief", source="field report", source_id="FR-1")
    fid = client.post("/api/v1/incidents", json=f, headers=editor).json()["id"]
    as_viewer = client.get(f"/api/v1/incidents/{fid}", headers=viewer).json()["properties"]
    assert "notes" not in as_viewer and "source" not in as_viewer and "source_id" not in as_viewer
    as_editor = client.get(f"/api/v1/incidents/{fid}", headers=editor).json()["properties"]
    assert as_editor["notes"] == "informant: village chief" and as_editor["source"] == "field report"
    listed = client.get("/api/v1/incidents", headers=viewer).json()["features"]
    assert all("notes" not in x["properties"] for x in listed)


def test_every_write_is_audited(client, editor, session):
    fid = client.post("/api/v1/qips", json=example("qips"), headers=editor).json()["id"]
    client.patch(f"/api/v1/qips/{fid}", json={"properties": {"status": "approved"}}, headers=editor)
    client.delete(f"/api/v1/qips/{fid}", headers=editor)
    rows = session.execute(
        select(AuditLog.action, AuditLog.key_name, AuditLog.before, AuditLog.after)
        .where(AuditLog.resource == "qips", AuditLog.resource_id == fid)
        .order_by(AuditLog.id)
    ).all()
    assert [r.action for r in rows] == ["create", "update", "delete"]
    assert {r.key_name for r in rows} == {"test-editor"}
    assert rows[0].before is None and rows[0].after["properties"]["status"] == "proposed"
    assert rows[1].before["properties"]["status"] == "proposed" and rows[1].after["properties"]["status"] == "approved"
    assert rows[2].before["id"] == fid and rows[2].after is None


def test_health(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"


def test_openapi_documents_every_resource_with_examples(client):
    spec = client.get("/openapi.json").json()
    for name in REGISTRY:
        post = spec["paths"][f"/api/v1/{name}"]["post"]
        assert "example" in post["requestBody"]["content"]["application/json"]["examples"]
    assert client.get("/docs").status_code == 200


def test_key_management_needs_admin_and_revocation_works(client, editor, admin):
    assert client.get("/api/v1/keys", headers=editor).status_code == 403
    r = client.post("/api/v1/keys", json={"name": "field-office-bria", "role": "editor"}, headers=admin)
    assert r.status_code == 201
    secret = r.json()["key"]
    listed = client.get("/api/v1/keys", headers=admin).json()
    entry = next(k for k in listed if k["name"] == "field-office-bria")
    assert entry["role"] == "editor" and "key" not in entry and secret.startswith(entry["prefix"])
    fresh = {"Authorization": f"Bearer {secret}"}
    assert client.post("/api/v1/incidents", json=example("incidents"), headers=fresh).status_code == 201
    assert (
        client.post("/api/v1/keys", json={"name": "field-office-bria", "role": "viewer"}, headers=admin).status_code
        == 409
    )
    assert client.post("/api/v1/keys", json={"name": "x", "role": "root"}, headers=admin).json()["field"] == "role"
    assert client.delete("/api/v1/keys/field-office-bria", headers=admin).status_code == 204
    assert client.get("/api/v1/incidents", headers=fresh).status_code == 401
    assert client.delete("/api/v1/keys/nobody", headers=admin).status_code == 404


def test_a_naive_start_and_an_aware_end_are_compared_not_a_500(client, editor):
    """A naive time counts as UTC (as the database takes it), so the order check answers."""
    patrol = example("patrols")
    patrol["properties"].update(started_at="2024-03-14T06:00:00", ended_at="2024-03-14T05:59:59Z")
    r = client.post("/api/v1/patrols", json=patrol, headers=editor)
    assert r.status_code == 422 and r.json()["field"] == "properties.ended_at", r.text
    patrol["properties"]["ended_at"] = "2024-03-14T06:00:00Z"
    assert client.post("/api/v1/patrols", json=patrol, headers=editor).status_code == 201
