"""Dates outside the supported range (1900-01-01 … 2100-12-31, UTC;
docs/analysis.md#supported-dates) are refused at the edge with a 4xx naming
the field — every date property of every resource, the list and export
windows, OGC ``datetime``, the map's window and the analysis' ``as_of`` —
where they used to overflow into 500s (``end=9999-12-31`` on a list, ``end=0001-01-01``
on the map). The bounds themselves are accepted."""

from __future__ import annotations

import copy
from datetime import date, datetime

import pytest
from sqlalchemy import Date, DateTime

from geo.dates import SUPPORTED
from geo.models import READ_ONLY
from geo.resources import REGISTRY

FAR = ("9999-12-31", "0001-01-01", "2101-01-01", "1899-12-31", "2100-12-31T23:00:00-05:00")
DATED = sorted(name for name, spec in REGISTRY.items() if spec.date_field)
DATE_PROPERTIES = sorted(
    (name, c.name)
    for name, spec in REGISTRY.items()
    for c in spec.columns
    if isinstance(c.type, (Date, DateTime)) and c.name not in READ_ONLY
)


def _refused(r, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["field"] == field, r.text


def _refused_naming(r, field: str) -> None:
    """422 with ``field`` among the fields at fault (an end moved with its start names both)."""
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.text


def test_the_range_is_1900_to_2100():
    assert (SUPPORTED.first, SUPPORTED.last) == (date(1900, 1, 1), date(2100, 12, 31))


@pytest.mark.parametrize("name", DATED)
def test_a_far_list_window_is_422_naming_it_and_the_bounds_are_accepted(client, viewer, name):
    for value in FAR:
        for bound in ("start", "end"):
            _refused(client.get(f"/api/v1/{name}", params={bound: value}, headers=viewer), 422, bound)
    r = client.get(f"/api/v1/{name}", params={"start": "1900-01-01", "end": "2100-12-31"}, headers=viewer)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("value", ["../9999-12-31", "0001-01-01/..", "9999-12-31"])
def test_a_far_ogc_datetime_is_400_naming_it(client, viewer, value):
    r = client.get("/ogc/collections/patrols/items", params={"datetime": value}, headers=viewer)
    _refused(r, 400, "datetime")


def test_the_export_window_is_checked(client, viewer):
    _refused(client.get("/api/v1/export.gpkg", params={"end": "9999-12-31"}, headers=viewer), 422, "end")


def test_a_far_map_window_is_422_naming_it(public_client):
    for path in ("/map", "/map/admin-areas", "/map/incident-grid"):
        for bound in ("start", "end"):
            for value in ("0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"):
                _refused(public_client.get(path, params={"bbox": "17,4,18,5", bound: value}), 422, bound)


def test_a_far_as_of_is_422_naming_it_and_the_bounds_are_accepted(client, viewer):
    for url in ("/api/v1/analysis/engagement-gaps", "/api/v1/analysis/coverage-gaps"):
        for value in ("0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"):
            r = client.get(url, params={"as_of": value, "bbox": "1,1,2,2"}, headers=viewer)
            _refused(r, 422, "as_of")
        for value in ("1900-01-01", "2100-12-31"):
            r = client.get(url, params={"as_of": value, "bbox": "1,1,2,2"}, headers=viewer)
            assert r.status_code == 200, r.text


def _example(name: str, column: str, value: str) -> dict:
    """The resource's example with ``column`` (and the column it is ordered with) set to ``value``."""
    spec = REGISTRY[name]
    example = copy.deepcopy(spec.example)
    props = example["properties"]
    props[column] = value
    for other in spec.columns:  # keep an order rule (end ≥ start) out of the way
        first = other.info.get("rule") and other.info["rule"].not_before
        if first == column and other.name in props:
            props[other.name] = None if other.nullable else value
        if other.name == column and first and first in props:
            props[first] = None if spec.column(first).nullable else value
    return example


def _as(column_type, day: str) -> str:
    return f"{day}T12:00:00Z" if isinstance(column_type, DateTime) else day


@pytest.mark.parametrize(("name", "column"), DATE_PROPERTIES)
def test_a_far_date_property_is_refused_on_create_and_patch_a_bound_is_stored(client, editor, name, column):
    spec = REGISTRY[name]
    create = client.app.url_path_for(f"{name}-create")
    made = client.post(create, json=copy.deepcopy(spec.example), headers=editor)
    assert made.status_code == 201, made.text
    patch = client.app.url_path_for(f"{name}-update", fid=str(made.json()["id"]))
    for day in ("1899-12-31", "2101-01-01", "9999-12-31", "0001-01-01"):
        value = _as(spec.column(column).type, day)
        _refused_naming(client.post(create, json=_example(name, column, value), headers=editor), f"properties.{column}")
        props = _example(name, column, value)["properties"]
        changed = {k: v for k, v in props.items() if v != spec.example["properties"].get(k)}
        _refused_naming(client.patch(patch, json={"properties": changed}, headers=editor), f"properties.{column}")
    for day in ("1900-01-01", "2100-12-31"):
        value = _as(spec.column(column).type, day)
        r = client.post(create, json=_example(name, column, value), headers=editor)
        assert r.status_code == 201, r.text
        stored = r.json()["properties"][column]
        want = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else date.fromisoformat(value)
        assert (datetime.fromisoformat(stored) if "T" in stored else date.fromisoformat(stored)) == want
