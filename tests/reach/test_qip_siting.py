"""QIP siting (docs/reach.md#qip-siting): reach from the office, absence of
an active QIP within 5 km, need, spread; plain reasons; the API's refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from geo.analysis import GapParams, gaps_from_db
from geo.reach.speeds import DEFAULT_OFFROAD_KMH


@pytest.fixture
def place(scenario, session):
    """An office and six communities around it (walking 3 km/h everywhere: no roads, rivers or land cover):

    - X 6 km east: violence, never engaged
    - Y 6 km north: more violence, but an approved QIP 3 km away
    - Z 30 km west: violence, but 10 h away on foot
    - W 2.5 km from X: violence, less than X
    - V 6 km south: violence, less than X
    - U 6 km north-west: violence, a *completed* QIP 2 km away (not active)
    """
    s = scenario()
    home = s.HOME
    at = s.at
    pts = {
        "X": at(home, 90, 6000),
        "Y": at(home, 0, 6000),
        "Z": at(home, 270, 30_000),
        "W": at(at(home, 90, 6000), 90, 2500),
        "V": at(home, 180, 6000),
        "U": at(home, 315, 6000),
    }
    deaths = {"X": 8, "Y": 20, "Z": 20, "W": 3, "V": 5, "U": 1}
    ids = {k: s.community(p, name=k, population=500) for k, p in pts.items()}
    office = s.site(home)
    for k, p in pts.items():
        s.incident(at(p, 200, 300), s.AS_OF - timedelta(days=1), fatalities=deaths[k])
    s.qip(at(pts["Y"], 0, 3000), "approved", s.AS_OF - timedelta(days=30))
    s.qip(at(pts["U"], 0, 2000), "completed", s.AS_OF - timedelta(days=400), s.AS_OF - timedelta(days=300))
    stored = s.store(session)
    return s, {k: stored["communities"][v] for k, v in ids.items()}, stored["sites"][office]


def test_reach_absence_need_and_spread(client, viewer, session, place):
    s, ids, office = place
    by_id = {v: k for k, v in ids.items()}
    params = {"site": office, "max_hours": 4, "n": 5, "as_of": s.AS_OF.isoformat(), "season": "dry", "sector": "water"}
    r = client.get("/api/v1/analysis/qip-suggestions", params=params, headers=viewer)
    assert r.status_code == 200, r.text
    body = r.json()
    names = [by_id[f["properties"]["community_id"]] for f in body["features"]]
    # Y has an approved QIP within 5 km, Z is 10 h away, W is within 5 km of X (chosen first): only X, V, U remain.
    gaps = (
        gaps_from_db(
            session, GapParams(as_of=s.AS_OF, remoteness="travel_time", season="dry"), computed_at=s.COMPUTED_AT
        )
        .with_reasons()
        .set_index("community_id")
    )
    by_need = sorted(["X", "V", "U"], key=lambda k: -gaps.loc[ids[k], "gap_score"])
    assert names == by_need and names[0] == "X"
    assert body["considered"] == {
        "communities": 6,
        "within_max_hours": 5,
        "active_qip_within_5_km": 1,
        "candidates": 4,
    }
    x = body["features"][0]["properties"]
    assert x["order"] == 1 and x["sector"] == "water" and x["beneficiaries"] == 500
    assert x["travel_hours"] == pytest.approx(6 / DEFAULT_OFFROAD_KMH, rel=0.05)
    reasons = x["reasons"]
    assert reasons[0].startswith("gap score ") and f"of {len(gaps)}" in reasons[0]
    assert reasons[1] == "no patrol within 5 km, engagement within 2 km or QIP within 5 km on record"
    assert reasons[1:3] == list(gaps.loc[ids["X"], "reasons"][:2])  # the analysis' own engagement and violence
    assert reasons[3] == "about 2 h from site (team site) in the dry season"
    assert reasons[4].startswith("no active QIP within 5 km (nearest: 'qip', approved, ")
    assert reasons[5] == "about 500 people (recorded)"
    u = next(f["properties"] for f in body["features"] if f["properties"]["community_id"] == ids["U"])
    assert u["nearest_active_qip_m"] > 5000  # the completed QIP 2 km away does not count
    # In French: the same codes and parameters, the sentences translated.
    fr = client.get("/api/v1/analysis/qip-suggestions", params=params, headers=viewer | {"Accept-Language": "fr"})
    fx = fr.json()["features"][0]["properties"]
    assert [e["code"] for e in fx["explanation"]] == [e["code"] for e in x["explanation"]]
    assert [e["params"] for e in fx["explanation"]] == [e["params"] for e in x["explanation"]]
    assert fx["reasons"][0].startswith("score de déficit ") and fx["reasons"][0].endswith(f"sur {len(gaps)})")
    assert fx["reasons"][3] == "environ 2 h de site (team site) en saison sèche"
    assert fx["reasons"][4].startswith("aucun PIR actif à moins de 5 km (le plus proche : 'qip', approuvé, ")
    assert fx["reasons"][5] == "environ 500 personnes (chiffre enregistré)"


def test_a_longer_trip_reaches_further_and_a_point_office_works(client, viewer, place):
    s, ids, _ = place
    far = client.get(
        "/api/v1/analysis/qip-suggestions",
        params={
            "lon": s.HOME[0],
            "lat": s.HOME[1],
            "max_hours": 12,
            "n": 10,
            "as_of": s.AS_OF.isoformat(),
            "season": "dry",
        },
        headers=viewer,
    ).json()
    got = {f["properties"]["community_id"] for f in far["features"]}
    assert ids["Z"] in got and ids["Y"] not in got and ids["W"] not in got
    assert far["office"]["site_id"] is None and far["office"]["label"].startswith("the point")


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"max_hours": 4}, 422, "site"),
        ({"site": 1, "lon": 20.0, "lat": 5.0}, 422, "site"),
        ({"lon": 20.0}, 422, "lat"),
        ({"site": 987654}, 404, "site"),
        ({"site": 2**63}, 422, "site"),  # beyond the ids' bigint (found by the fuzzing: no field named)
        ({"site": 1, "max_hours": 0}, 422, "max_hours"),
        ({"site": 1, "sector": "roads"}, 422, "sector"),
        ({"site": 1, "budget_usd": 60000}, 422, "budget_usd"),
        ({"site": 1, "n": 0}, 422, "n"),
    ],
)
def test_refusals_name_the_field(client, viewer, params, status, field):
    r = client.get("/api/v1/analysis/qip-suggestions", params=params, headers=viewer)
    assert r.status_code == status and r.json()["field"] == field, r.text
