"""The API document (``/openapi.json``) says what each operation really
answers: every error status with the one error body peacemap sends, the
statuses its guards, validation and body limits produce, and the content
types of ``?f=geojson``/``?f=csv``, GeoTIFF and GeoPackage; real error
bodies validate against the documented schema (checked with jsonschema_rs,
not with the model that made them). Beside it, the values the database
would refuse are refused at the edge, naming the parameter or property.
The fuzzing of every operation is ``test_fuzz.py``."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest

from api.app import create_app
from api.settings import ApiSettings
from geo.resources import REGISTRY

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}
ERROR_CONTENT = {"application/json": {"schema": ERROR_SCHEMA}}
WRITES = {"post", "patch", "put", "delete"}
POINT = {"type": "Point", "coordinates": [20.0, 6.0]}
BIGINT_MAX = 2**63 - 1


@pytest.fixture(scope="module")
def doc() -> dict:
    return create_app(ApiSettings()).openapi()


def _operations(doc: dict):
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _has_inputs(operation: dict) -> bool:
    return bool(operation.get("parameters") or operation.get("requestBody"))


def test_no_operation_documents_fastapis_validation_error(doc):
    assert "HTTPValidationError" not in json.dumps(doc)


def test_every_error_status_is_documented_with_the_error_body(doc):
    for method, path, operation in _operations(doc):
        for status, response in operation["responses"].items():
            if int(status) < 400 or (path, status) == ("/readyz", "503"):  # the probe's own answer (below)
                continue
            assert response["content"] == ERROR_CONTENT, (method, path, status)
    readiness = doc["paths"]["/readyz"]["get"]["responses"]["503"]["content"]["application/json"]["schema"]
    assert readiness == {"$ref": "#/components/schemas/Readiness"}


def test_invalid_input_is_documented_as_422_on_the_json_api_and_400_under_ogc(doc):
    """Every operation answers 400 to a query parameter it does not define
    (api.known_params); beyond that, invalid input is 422, or 400 under /ogc."""
    for method, path, operation in _operations(doc):
        statuses = set(operation["responses"])
        if not _has_inputs(operation):
            assert statuses & {"400", "422"} == {"400"}, (method, path)
        elif path.startswith("/ogc"):
            assert "400" in statuses and "422" not in statuses, (method, path)
        else:
            assert {"400", "422"} <= statuses, (method, path)


def test_guards_and_body_limits_are_documented(doc):
    for method, path, operation in _operations(doc):
        statuses = set(operation["responses"])
        if method in WRITES:  # editor (or admin) writes
            assert {"401", "403", "503"} <= statuses, (method, path)
        if operation.get("requestBody"):
            assert "413" in statuses, (method, path)
    for method, path in [("get", "/api/v1/incidents"), ("get", "/ogc/collections"), ("get", "/map/admin-areas")]:
        assert {"401", "503"} <= set(doc["paths"][path][method]["responses"]), path
    assert "401" not in doc["paths"]["/map"]["get"]["responses"]  # the page shell is open
    assert "401" not in doc["paths"]["/healthz"]["get"]["responses"]


def test_lists_document_json_geojson_and_csv(doc):
    for name in REGISTRY:
        content = doc["paths"][f"/api/v1/{name}"]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "application/geo+json", "text/csv"}, name
        assert content["application/geo+json"]["schema"] == content["application/json"]["schema"]


def test_files_document_their_content_types(doc):
    assert set(doc["paths"]["/api/v1/export.gpkg"]["get"]["responses"]["200"]["content"]) == {
        "application/geopackage+sqlite3"
    }
    coverage = doc["paths"]["/api/v1/analysis/coverage-gaps"]["get"]["responses"]["200"]["content"]
    assert set(coverage) == {"application/geo+json", "image/tiff"}
    items = doc["paths"]["/ogc/collections/{collection_id}/items"]["get"]["responses"]["200"]["content"]
    assert set(items) == {"application/geo+json"}


def test_each_resource_documents_its_geometry_types(doc):
    schemas = doc["components"]["schemas"]
    geometry = schemas["CommunityFeatureIn"]["properties"]["geometry"]
    assert geometry["properties"]["type"]["enum"] == ["Point"]
    lon, lat = geometry["properties"]["coordinates"]["prefixItems"]
    assert (lon["minimum"], lon["maximum"], lat["minimum"], lat["maximum"]) == (-180, 180, -90, 90)
    patrol = schemas["PatrolFeatureIn"]["properties"]["geometry"]
    assert [g["properties"]["type"]["enum"] for g in patrol["oneOf"]] == [["LineString"], ["MultiLineString"]]


def test_real_error_bodies_match_the_documented_schema(client, editor, viewer, doc):
    valid = jsonschema_rs.validator_for({**ERROR_SCHEMA, "components": doc["components"]})
    answers = {
        422: client.post("/api/v1/incidents", headers=editor, json={"type": "Feature", "properties": {}}),
        401: client.get("/api/v1/incidents"),
        403: client.post("/api/v1/incidents", headers=viewer, json={}),
        404: client.get("/api/v1/incidents/987654321", headers=viewer),
        400: client.get("/ogc/collections/incidents/items", params={"limit": "ten"}, headers=viewer),
    }
    for status, r in answers.items():
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == "application/json"
        valid.validate(r.json())
    assert answers[422].json()["errors"] and answers[422].json()["field"] == answers[422].json()["errors"][0]["field"]
    with pytest.raises(jsonschema_rs.ValidationError):  # the schema is not a blank cheque
        valid.validate({"detail": ["not", "a", "string"], "code": "invalid"})


def test_a_csv_list_is_sent_as_documented(client, viewer, doc):
    r = client.get("/api/v1/incidents", params={"f": "csv"}, headers=viewer)
    assert (
        r.status_code == 200
        and r.headers["content-type"].split(";")[0]
        in (doc["paths"]["/api/v1/incidents"]["get"]["responses"]["200"]["content"])
    )


# ---------------------------------------------------------------------- refused at the edge, naming the input


def test_ogc_answers_400_for_an_offset_beyond_the_database_range(public_client):
    r = public_client.get("/ogc/collections/incidents/items", params={"offset": BIGINT_MAX + 1})
    assert r.status_code == 400 and r.json()["field"] == "offset"
    assert public_client.get("/ogc/collections/incidents/items", params={"offset": BIGINT_MAX}).status_code == 200


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/v1/incidents", {"offset": BIGINT_MAX + 1}, "offset"),
        ("/api/v1/sites/" + str(BIGINT_MAX + 1), {}, "fid"),
        ("/api/v1/analysis/engagement-gaps", {"admin_area": BIGINT_MAX + 1}, "admin_area"),
        ("/map", {"admin_area": BIGINT_MAX + 1}, "admin_area"),
        ("/api/v1/incidents", {"min_fatalities": 2**31}, "min_fatalities"),
        ("/api/v1/communities", {"q": "a\x00b"}, "q"),
        ("/api/v1/patrols", {"end": "9999-12-31"}, "end"),
        ("/api/v1/patrols", {"start": "0001-01-01T00:00:00+05:00"}, "start"),
        ("/api/v1/export.gpkg", {"end": "9999-12-31"}, "end"),
        ("/map/admin-areas", {"end": "0001-01-01"}, "end"),
        ("/map/incident-grid", {"bbox": "15,4,20,8", "end": "0001-01-01"}, "end"),
        ("/api/v1/analysis/coverage-gaps", {"bbox": "15,4,20,8", "as_of": "0001-01-01"}, "as_of"),
    ],
)
def test_values_beyond_what_the_database_holds_are_a_422_naming_the_parameter(public_client, url, params, field):
    r = public_client.get(url, params=params)
    assert r.status_code == 422 and r.json()["field"] == field, r.text


@pytest.mark.parametrize(
    ("datetime", "status"), [("../9999-12-31", 400), ("1899-12-31/..", 400), ("2024-01-01/..", 200)]
)
def test_ogc_datetime_outside_the_supported_days_is_a_400(public_client, datetime, status):
    r = public_client.get("/ogc/collections/patrols/items", params={"datetime": datetime})
    assert r.status_code == status and (status == 200 or r.json()["field"] == "datetime"), r.text


def test_an_unknown_ogc_feature_beyond_the_id_range_is_404(public_client):
    for collection in ("incidents", "engagement-gaps"):
        r = public_client.get(f"/ogc/collections/{collection}/items/{BIGINT_MAX + 1}")
        assert r.status_code == 404 and r.json()["field"] == "featureId", r.text


@pytest.mark.parametrize(
    ("resource", "properties", "field"),
    [
        ("incidents", {"occurred_on": "0487-08-14", "event_type": "battle"}, "properties.occurred_on"),
        ("sites", {"name": "s", "kind": "hq", "active_to": "9999-12-31"}, "properties.active_to"),
        ("qips", {"title": "t", "sector": "water", "community_id": BIGINT_MAX + 1}, "properties.community_id"),
    ],
)
def test_stored_values_beyond_what_the_database_holds_are_a_422_naming_the_property(
    client, editor, resource, properties, field
):
    r = client.post(
        f"/api/v1/{resource}", headers=editor, json={"type": "Feature", "geometry": POINT, "properties": properties}
    )
    assert r.status_code == 422 and r.json()["field"] == field, r.text


def test_a_patrol_time_far_in_the_future_is_refused(client, editor):
    track = {"type": "LineString", "coordinates": [[20, 6], [20.1, 6.1]]}
    properties = {"started_at": "2024-01-01T06:00:00Z", "ended_at": "4128-04-26T06:57:58Z", "patrol_type": "foot"}
    r = client.post(
        "/api/v1/patrols",
        headers=editor,
        json={"type": "Feature", "geometry": track, "properties": {**properties, "component": "military"}},
    )
    assert r.status_code == 422 and r.json()["field"] == "properties.ended_at", r.text


def test_a_reference_to_a_missing_row_names_its_column(client, editor):
    track = {"type": "LineString", "coordinates": [[20, 6], [20.1, 6.1]]}
    properties = {
        "started_at": "2024-01-01T06:00:00Z",
        "ended_at": "2024-01-01T08:00:00Z",
        "patrol_type": "foot",
        "component": "military",
        "site_id": 987654321,
    }
    r = client.post(
        "/api/v1/patrols", headers=editor, json={"type": "Feature", "geometry": track, "properties": properties}
    )
    assert r.status_code == 422 and r.json()["field"] == "site_id", r.text
    assert r.json()["detail"] == "site_id refers to a record that does not exist"


def test_a_body_that_is_not_utf8_is_a_422_naming_the_body(client, editor):
    r = client.post("/api/v1/incidents", content=b"\xff\xfe{", headers={**editor, "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "body" and r.json()["code"] == "invalid", r.text


def test_an_upload_that_is_not_multipart_is_a_422_naming_the_file(client, editor):
    body = b"--b\r\n180.0--b--\r\n"  # a part without headers
    r = client.post(
        "/api/v1/incidents/import", content=body, headers={**editor, "Content-Type": "multipart/form-data; boundary=b"}
    )
    assert r.status_code == 422 and r.json()["field"] == "file", r.text
