"""The local-politics reasons in the request's language (docs/politics.md#reasons),
on the demo scenario: every route that shows them answers French to
``Accept-Language: fr`` with the same codes and parameters as in English,
``reasons`` the ``text`` of each ``explanation``; the brief (JSON and page)
too. The French sentences checked here are written by hand from the codes'
parameters, not by the renderer under test."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from geo.demo import generate, load
from geo.io.derived import DERIVED
from geo.models import AdminArea
from geo.politics.constituencies import constituencies
from geo.politics.params import ConstituencyParams
from geo.reasons import text
from geo.resources import REGISTRY

END = date(2026, 11, 28)
FR = {"Accept-Language": "fr-FR, fr;q=0.9"}


@pytest.fixture
def demo(session):
    load(session.connection(), generate(end=END))
    return END.isoformat()


def _items(body: dict) -> list[dict]:
    if "agreements" in body:
        return body["agreements"]
    return [f["properties"] for f in body["features"]]


def _both(client, viewer, path: str, params: dict) -> tuple[list[dict], list[dict]]:
    en = client.get(path, params=params, headers=viewer)
    fr = client.get(path, params=params, headers=viewer | FR)
    assert en.status_code == fr.status_code == 200, (en.text, fr.text)
    return _items(en.json()), _items(fr.json())


def _codes(explanation: list[dict]) -> list[dict]:
    return [{"code": e["code"], "params": e["params"]} for e in explanation]


def _same_but_the_text(en: list[dict], fr: list[dict]) -> list[dict]:
    """The French items' reasons after checking them against the English
    ones: same codes and parameters, ``reasons`` the texts, each translated."""
    assert len(en) == len(fr)
    said = []
    for e, f in zip(en, fr, strict=True):
        assert _codes(e["explanation"]) == _codes(f["explanation"])
        assert e["reasons"] == [x["text"] for x in e["explanation"]]
        assert f["reasons"] == [x["text"] for x in f["explanation"]]
        assert all(a != b for a, b in zip(e["reasons"], f["reasons"], strict=True)), f["reasons"]
        said += f["explanation"]
    return said


def test_every_politics_route_answers_in_french(client, viewer, demo):
    at = {"as_of": demo, "limit": 10000}
    said = []
    for path, params in (
        ("/api/v1/analysis/constituencies", at),
        ("/api/v1/analysis/constituencies", {**at, "by": "community"}),
        ("/api/v1/analysis/agreements", at),
        ("/api/v1/analysis/perceptions", at),
    ):
        said += _same_but_the_text(*_both(client, viewer, path, params))
    by_code = {}
    for e in said:
        by_code.setdefault(e["code"], e)
    assert {"concentrated", "not_heard", "incidents_rose", "party_incidents", "perception_fell"} <= set(by_code)

    p = by_code["not_heard"]["params"]
    voices = " ou ".join({"women": "femmes", "youth": "jeunes"}[c] for c in p["constituencies"])
    assert by_code["not_heard"]["text"] == (
        f"aucun engagement avec les {voices} en {p['period_days']} jours ({p['held']} engagements)"
    )
    p = by_code["incidents_rose"]["params"]
    dec = {k: f"{p[k]:{'.2f' if k == 'ratio_low' else '.1f'}}".replace(".", ",") for k in p}
    assert by_code["incidents_rose"]["text"] == (
        f"les incidents dans la zone sont passés de {dec['per_month_before']} à {dec['per_month_after']} "
        f"par mois après la signature (rapport des taux ≥ {dec['ratio_low']} à 95 %)"
    )
    p = by_code["perception_fell"]["params"]
    assert p["indicator"] == "trust_in_mission"
    assert by_code["perception_fell"]["text"] == (
        f"confiance dans la mission : baisse de {100 * p['from_share']:.0f} % à {100 * p['to_share']:.0f} % "
        f"depuis la vague {p['wave']} (n = {p['n_from']}, {p['n_to']} ; variation de "
        f"{100 * p['change_low']:+.0f} à {100 * p['change_high']:+.0f} points à 95 %)"
    )
    assert by_code["party_incidents"]["text"].endswith("postérieurs à la signature ont impliqué une partie")
    assert by_code["concentrated"]["text"].startswith(f"sur {by_code['concentrated']['params']['recorded']} ")


def test_one_agreement_in_french_and_the_cookie_wins(client, viewer, demo):
    ranked = client.get("/api/v1/analysis/agreements", params={"as_of": demo}, headers=viewer).json()["agreements"]
    fid = ranked[0]["id"]
    en = client.get(f"/api/v1/analysis/agreements/{fid}", params={"as_of": demo}, headers=viewer).json()
    fr = client.get(f"/api/v1/analysis/agreements/{fid}", params={"as_of": demo}, headers=viewer | FR).json()
    _same_but_the_text([en], [fr])
    listed = next(a for a in _both(client, viewer, "/api/v1/analysis/agreements", {"as_of": demo})[1] if a["id"] == fid)
    assert fr["reasons"] and fr["explanation"] == listed["explanation"]  # the detail says what the list says
    client.cookies.set("peacemap_lang", "en")  # the pages' language menu: wins over the browser
    try:
        chosen = client.get(f"/api/v1/analysis/agreements/{fid}", params={"as_of": demo}, headers=viewer | FR)
    finally:
        client.cookies.clear()
    assert chosen.json()["reasons"] == en["reasons"]


def test_the_brief_page_and_json_in_french(client, viewer, editor, session, demo):
    """An unsigned agreement in an area: the French page says why it is not
    assessed in French; the brief's politics reasons are French in its JSON."""
    area_id, lon, lat = session.execute(
        select(
            AdminArea.id,
            func.ST_X(func.ST_PointOnSurface(AdminArea.geom)),
            func.ST_Y(func.ST_PointOnSurface(AdminArea.geom)),
        )
        .where(AdminArea.level == 1)
        .order_by(AdminArea.id)
        .limit(1)
    ).one()
    unsigned = copy.deepcopy(REGISTRY["agreements"].example)
    d = 0.01
    unsigned["geometry"]["coordinates"] = [
        [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]
    ]
    unsigned["properties"]["signed_on"] = None
    unsigned["properties"]["name"] = "Accord sans date"
    r = client.post("/api/v1/agreements", json=unsigned, headers=editor)
    assert r.status_code == 201, r.text

    page = client.get(f"/areas/{area_id}", params={"as_of": demo}, headers=viewer | FR)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'lang="fr"' in html
    assert '<span data-code="agreement_not_signed">pas de date de signature</span>' in html
    assert "no signing day" not in html

    en = client.get(f"/api/v1/areas/{area_id}/brief", params={"as_of": demo}, headers=viewer).json()
    fr = client.get(f"/api/v1/areas/{area_id}/brief", params={"as_of": demo}, headers=viewer | FR).json()
    said = _same_but_the_text(en["agreements"], fr["agreements"])
    said += _same_but_the_text([en["hearing"]], [fr["hearing"]])
    said += _same_but_the_text(en["perceptions"], fr["perceptions"])
    assert {"code": "agreement_not_signed", "params": {}, "text": "pas de date de signature"} in said


def test_the_who_was_heard_layers_keep_english_and_the_codes(session, demo):
    """The GeoPackage layers and OGC collections of who was heard hold the
    English sentences with their codes as JSON, as the engagement gaps' layer
    does: any language is written from the codes."""
    batch = next(DERIVED["constituencies-by-area"].batches(session)).to_pydict()
    features = constituencies(session, ConstituencyParams(), by="area")["features"]
    assert batch["reasons"] == [f["properties"]["reasons"] for f in features]
    codes = [json.loads(x) for x in batch["explanation"]]
    assert codes == [_codes(f["properties"]["explanation"]) for f in features] and any(codes)
    assert [[text(e) for e in row] for row in codes] == batch["reasons"]
