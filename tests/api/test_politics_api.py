"""The local-politics routes on the demo scenario (what ``make run`` shows)
and the agreements' status history."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from sqlalchemy import select

from geo.demo import generate, load
from geo.models import AuditLog
from geo.resources import REGISTRY

END = date(2026, 11, 28)


@pytest.fixture
def demo(session):
    load(session.connection(), generate(end=END))
    return END.isoformat()


def test_the_demo_shows_every_feature(client, viewer, demo):
    ranked = client.get("/api/v1/analysis/agreements", params={"as_of": demo}, headers=viewer).json()["agreements"]
    first = ranked[0]
    assert first["name"].startswith("Bambari local non-aggression pact") and first["rank"] == 1
    assert first["incidents_after"] > 0 and first["rate_ratio"]["low"] > 1 and first["rate_ratio"]["high"] is not None
    assert first["strain"] == first["rate_ratio"]["low"] and "incidents_rose" in first["flags"]
    assert "possible_violations" in first["flags"] and first["violations"]
    assert all(r["strain"] is None or r["strain"] <= first["strain"] for r in ranked)

    areas = client.get("/api/v1/analysis/constituencies", params={"as_of": demo}, headers=viewer).json()
    flags = [f["properties"]["flags"] for f in areas["features"]]
    assert any("concentrated" in f for f in flags) and any({"no_women", "no_youth"} <= set(f) for f in flags)
    concentrated = next(f["properties"] for f in areas["features"] if "concentrated" in f["properties"]["flags"])
    assert concentrated["top_share"] > 0.6 and concentrated["top_roles"]
    assert areas["numberMatched"] == 24 - 1  # the level-1 areas
    by_community = client.get(
        "/api/v1/analysis/constituencies", params={"as_of": demo, "by": "community", "limit": 5}, headers=viewer
    ).json()
    assert by_community["numberReturned"] == 5 and by_community["features"][0]["geometry"]["type"] == "Point"

    trends = client.get("/api/v1/analysis/perceptions", params={"as_of": demo}, headers=viewer).json()
    fell = trends["features"][0]["properties"]
    assert fell["change"]["fell"] and fell["change"]["high"] < 0
    assert fell["reasons"][0].startswith("trust in the mission fell from")
    assert all(w["low"] <= w["value"] <= w["high"] for w in fell["waves"])


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/analysis/constituencies", {"window_days": 0}, "window_days"),
        ("/api/v1/analysis/constituencies", {"by": "person"}, "by"),
        ("/api/v1/analysis/constituencies", {"concentration_share": 1.5}, "concentration_share"),
        ("/api/v1/analysis/agreements", {"as_of": "2026-13-01"}, "as_of"),
        ("/api/v1/analysis/perceptions", {"indicator": "happiness"}, "indicator"),
        ("/api/v1/analysis/agreements/987654321", {}, "id"),
    ],
)
def test_bad_requests_name_the_field(client, viewer, path, params, field):
    r = client.get(path, params=params, headers=viewer)
    assert r.status_code in (404, 422), r.text
    assert r.json()["field"] == field and r.json()["detail"]


def test_a_status_change_is_kept_never_overwritten(client, editor, session):
    example = copy.deepcopy(REGISTRY["agreements"].example)
    fid = client.post("/api/v1/agreements", json=example, headers=editor).json()["id"]
    for status in ("violated", "violated", "lapsed"):
        assert (
            client.patch(
                f"/api/v1/agreements/{fid}", json={"properties": {"status": status}}, headers=editor
            ).status_code
            == 200
        )
    detail = client.get(f"/api/v1/analysis/agreements/{fid}", headers=editor).json()
    history = [(h["previous_status"], h["status"], h["changed_by"]) for h in detail["status_history"]]
    assert history == [
        (None, "in_force", "test-editor"),
        ("in_force", "violated", "test-editor"),
        ("violated", "lapsed", "test-editor"),
    ]
    assert detail["status"] == "lapsed" and session.scalar(select(AuditLog.id).where(AuditLog.resource_id == fid))
