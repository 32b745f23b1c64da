"""A resource without geometry and a many-to-many link through the API:
interlocutors take and give ``geometry: null``, refuse a geometry and a
bbox naming the field; an engagement's ``interlocutor_ids`` are checked,
read back sorted, replaced on write and lose a deleted interlocutor."""

from __future__ import annotations

import copy

from geo.resources import REGISTRY


def _person(client, editor, pseudonym: str) -> int:
    body = {"type": "Feature", "geometry": None, "properties": {"pseudonym": pseudonym, "role": "youth_group"}}
    r = client.post("/api/v1/interlocutors", json=body, headers=editor)
    assert r.status_code == 201, r.text
    assert r.json()["geometry"] is None
    return r.json()["id"]


def test_no_geometry_in_and_out(client, editor):
    fid = _person(client, editor, "T-YG-1")
    point = {"type": "Point", "coordinates": [17.0, 5.0]}
    refused = client.post(
        "/api/v1/interlocutors",
        json={"type": "Feature", "geometry": point, "properties": {"pseudonym": "x", "role": "other"}},
        headers=editor,
    )
    assert refused.status_code == 422 and refused.json()["field"] == "geometry"
    patched = client.patch(f"/api/v1/interlocutors/{fid}", json={"geometry": point}, headers=editor)
    assert patched.status_code == 422 and patched.json()["field"] == "geometry"
    box = client.get("/api/v1/interlocutors", params={"bbox": "16,4,18,6"}, headers=editor)
    assert box.status_code == 422 and box.json()["field"] == "bbox"
    # Under OGC a bbox selects only features whose geometry meets it: none of these.
    ogc = client.get("/ogc/collections/interlocutors/items", params={"bbox": "16,4,18,6"}, headers=editor).json()
    assert ogc["numberMatched"] == 0 and ogc["features"] == []
    everyone = client.get("/ogc/collections/interlocutors/items", headers=editor).json()
    assert everyone["numberMatched"] >= 1 and everyone["features"][0]["geometry"] is None


def test_interlocutor_ids_are_checked_replaced_and_follow_deletes(client, editor):
    a, b = _person(client, editor, "T-YG-2"), _person(client, editor, "T-YG-3")
    engagement = copy.deepcopy(REGISTRY["engagements"].example)
    engagement["properties"]["interlocutor_ids"] = [b, a, b]
    created = client.post("/api/v1/engagements", json=engagement, headers=editor)
    assert created.status_code == 201 and created.json()["properties"]["interlocutor_ids"] == sorted([a, b])
    fid = created.json()["id"]
    bad = client.patch(
        f"/api/v1/engagements/{fid}", json={"properties": {"interlocutor_ids": [a, 987654321]}}, headers=editor
    )
    assert bad.status_code == 422 and bad.json()["field"] == "properties.interlocutor_ids"
    assert "987654321" in bad.json()["detail"]
    assert client.get(f"/api/v1/engagements/{fid}", headers=editor).json()["properties"]["interlocutor_ids"] == sorted(
        [a, b]
    )
    ok = client.patch(f"/api/v1/engagements/{fid}", json={"properties": {"interlocutor_ids": [a]}}, headers=editor)
    assert ok.status_code == 200 and ok.json()["properties"]["interlocutor_ids"] == [a]
    assert client.delete(f"/api/v1/interlocutors/{a}", headers=editor).status_code == 204
    assert client.get(f"/api/v1/engagements/{fid}", headers=editor).json()["properties"]["interlocutor_ids"] == []
    zero = client.patch(f"/api/v1/engagements/{fid}", json={"properties": {"interlocutor_ids": [0]}}, headers=editor)
    assert zero.status_code == 422 and zero.json()["field"].startswith("properties.interlocutor_ids")
