"""The JSON and CSV of the analysis in the request's language: the reasons'
text follows Accept-Language (or the remembered ``peacemap_lang`` cookie),
their codes and parameters do not (other tools render their own language)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

BOX = "-26.5,-16.5,-23.5,-13.5"


@pytest.fixture
def data(session, scenario):
    s = scenario()
    for k in range(3):
        s.community(s.at(s.OCEAN, 0, 30_000 * k), population=10**k, name=f"c{k}")
        s.incident(s.at(s.OCEAN, 0, 30_000 * k), s.AS_OF - timedelta(days=k), fatalities=k + 1)
    s.site(s.at(s.OCEAN, 180, 25_000))
    ids = s.store(session)
    session.commit()
    return ids


def _gaps(client, viewer, scenario, **headers) -> dict:
    r = client.get(
        "/api/v1/analysis/engagement-gaps",
        params={"bbox": BOX, "as_of": scenario.AS_OF.isoformat()},
        headers=viewer | headers,
    )
    assert r.status_code == 200, r.text
    return {f["properties"]["name"]: f["properties"] for f in r.json()["features"]}


def test_reasons_follow_accept_language_codes_do_not(client, viewer, data, scenario):
    en = _gaps(client, viewer, scenario)
    fr = _gaps(client, viewer, scenario, **{"Accept-Language": "fr-CA, en;q=0.5"})
    c2 = fr["c2"]
    # Written by hand: 1 incident with 3 deaths at the community, within the default 10 km and 90 days.
    assert "1 incident, 3 morts à moins de 10 km en 90 jours" in c2["reasons"]
    assert "1 incident, 3 deaths within 10 km in 90 days" in en["c2"]["reasons"]
    for name in en:
        strip = [{k: v for k, v in e.items() if k != "text"} for e in en[name]["explanation"]]
        assert strip == [{k: v for k, v in e.items() if k != "text"} for e in fr[name]["explanation"]]
        assert [e["text"] for e in fr[name]["explanation"]] == fr[name]["reasons"]
        assert fr[name]["reasons"] != en[name]["reasons"]
    # A language no catalogue serves falls back to English.
    assert _gaps(client, viewer, scenario, **{"Accept-Language": "sw"}) == en


def test_the_remembered_switch_wins_over_the_browser(client, viewer, data, scenario):
    client.cookies.set("peacemap_lang", "en")
    try:
        chosen = _gaps(client, viewer, scenario, **{"Accept-Language": "fr"})
    finally:
        client.cookies.clear()
    assert chosen == _gaps(client, viewer, scenario)


def test_worklist_csv_in_french_keeps_the_codes(client, viewer, data, scenario):
    q = {"bbox": BOX, "as_of": scenario.AS_OF.isoformat(), "f": "csv"}
    en = list(csv.DictReader(io.StringIO(client.get("/api/v1/analysis/worklist", params=q, headers=viewer).text)))
    r = client.get("/api/v1/analysis/worklist", params=q, headers=viewer | {"Accept-Language": "fr"})
    assert r.status_code == 200, r.text
    fr = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["community_id"] for row in fr] == [row["community_id"] for row in en] and fr
    assert [row["reason_codes"] for row in fr] == [row["reason_codes"] for row in en]
    assert all("à moins de 10 km en 90 jours" in row["reasons"] for row in fr if "violence" in row["reason_codes"])
    assert any("1 mort à moins" in row["reasons"] for row in fr)  # the singular, by the French plural rule
