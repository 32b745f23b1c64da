"""The demo's local politics (docs/politics.md): who was heard, an agreement
under strain, and two perception-survey waves.

- Interlocutors per admin area (two officials: a sub-prefect and a canton
  chief) and per engaged community (village chief, women's association,
  youth group, religious leader, displaced persons' committee at IDP sites),
  with synthetic names. Engagements hear one or two of them; in the
  :data:`CONCENTRATED` areas (by rank of engagements) the two officials take
  most meetings; in the :data:`SILENCED` areas no woman or young person is
  ever heard (their engagements' women/youth constituencies are removed).
- The strained agreement (``geo.demo.agreements.STRAINED``): enough of the
  scattered incidents are moved inside its area after signing, with a party
  as actor, that the rate at least triples.
- Two perception waves 210 days apart over three towns per area; trust in the
  mission falls from about 62 % to 41 % in the strained agreement's area.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.demo.agreements import STRAINED, STRAINED_DAYS
from geo.demo.places import village_names
from geo.demo.towns import SYNTHETIC_SOURCE

CONCENTRATED = (0, 3)  # ranks (by engagements, from 0) of the areas where two officials take most meetings
SILENCED = (1, 4)  # ranks of the areas where women and youth are never heard
SURVEY = "MINUSCA perception survey (synthetic)"
WAVE_DAYS = (270, 60)  # the two waves, days before the end
INDICATORS = {"trust_in_mission": 0.6, "feeling_of_safety": 0.5, "knowledge_of_mandate": 0.45}
FIRST_NAMES = ("Jean", "Marie", "Abdou", "Fatimé", "Pierre", "Hawa", "Joseph", "Aïssatou", "Paul", "Clarisse")
# role, code, gender, age band, weight when an engagement picks a community voice
VOICES = (
    ("traditional_leader", "TL", "male", "60_plus", 0.40),
    ("womens_association", "WA", "female", "30_44", 0.20),
    ("youth_group", "YG", "male", "18_29", 0.15),
    ("religious_leader", "RL", "male", "45_59", 0.15),
    ("displaced_committee", "DC", "female", "30_44", 0.10),
)
OFFICIALS = (("local_authority", "SP", "male", "45_59"), ("traditional_leader", "CC", "male", "60_plus"))


def _area_of(points, level1: gpd.GeoDataFrame) -> np.ndarray:
    hit = shapely.STRtree(level1.geometry.values).query(points, predicate="within")
    area = np.full(len(points), -1)
    area[hit[0]] = hit[1]
    return area


def _names(rng: np.random.Generator, n: int) -> list[str]:
    first = rng.choice(np.array(FIRST_NAMES, dtype=object), n)
    return [f"{f} {s} (synthetic)" for f, s in zip(first, village_names(rng, n), strict=True)]


def hearings(
    rng: np.random.Generator, engagements: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, areas: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    """Interlocutors, the engagement → interlocutor links (by source ids) and
    the engagements with the silenced areas' women and youth removed."""
    level1 = areas[areas["level"] == 1].reset_index(drop=True)
    area = _area_of(engagements.geometry.values, level1)
    ranked = pd.Series(area[area >= 0]).value_counts().index.tolist()
    concentrated = {ranked[i] for i in CONCENTRATED if i < len(ranked)}
    silenced = {ranked[i] for i in SILENCED if i < len(ranked)}
    kind = communities.set_index("source_id")["kind"]
    people: list[dict] = []

    def person(role, code, gender, age, where, area_code) -> str:
        sid = f"demo-interlocutor-{len(people):05d}"
        people.append(
            {
                "pseudonym": f"{area_code}-{code}-{len(people):04d}",
                "role": role,
                "gender": gender,
                "age_band": age,
                "community_source_id": where,
                "notes": None,
                "source": SYNTHETIC_SOURCE,
                "source_id": sid,
            }
        )
        return sid

    officials: dict[int, list[str]] = {}
    voices: dict[tuple[str, bool], list[tuple[str, float]]] = {}
    pairs: list[tuple[str, str]] = []
    constituencies = list(engagements["constituencies"])
    kinds, places, sids = (engagements[c].tolist() for c in ("kind", "community_source_id", "source_id"))
    for i in range(len(engagements)):
        a = area[i]
        muted = a in silenced
        if muted:
            kept = [c for c in constituencies[i] if c not in ("women", "youth")]
            constituencies[i] = kept or ["local_authorities"]
        if a < 0 or kinds[i] in ("radio_callin", "community_alert"):
            continue  # no one in particular heard
        code = level1["pcode"].iloc[a]
        if a not in officials:
            town = places[i]
            officials[a] = [person(r, c, g, age, town, code) for r, c, g, age in OFFICIALS]
        key = (places[i], muted)
        if key not in voices:
            eligible = [
                v
                for v in VOICES
                if (v[0] != "displaced_committee" or kind.get(places[i]) in ("idp_site", "poc_site"))
                and not (muted and (v[0] in ("womens_association", "youth_group") or v[2] == "female"))
            ]
            voices[key] = [(person(r, c, g, age, places[i], code), w) for r, c, g, age, w in eligible]
        heard: set[str] = set()
        if rng.random() < (0.85 if a in concentrated else 0.12):
            heard.update(rng.choice(officials[a], 1 + int(rng.random() < 0.3), replace=False))
        if not heard or rng.random() < (0.4 if a in concentrated else 1.0):
            pool = voices[key]
            weights = np.array([p[1] for p in pool])
            k = min(len(pool), 1 + int(rng.random() < 0.35))
            heard.update(pool[j][0] for j in rng.choice(len(pool), k, replace=False, p=weights / weights.sum()))
        pairs += [(sids[i], p) for p in sorted(heard)]
    frame = pd.DataFrame(people)
    frame.insert(1, "name", _names(rng, len(frame)))
    links = pd.DataFrame(pairs, columns=["engagement_source_id", "interlocutor_source_id"])
    return frame, links, engagements.assign(constituencies=constituencies)


def strain(
    rng: np.random.Generator, incidents: gpd.GeoDataFrame, agreements: gpd.GeoDataFrame, end: date
) -> gpd.GeoDataFrame:
    """The incidents with enough scattered ones moved inside the strained
    agreement's area after signing (a party as actor) that the after/before
    rate is at least three times plus a dozen incidents."""
    area = agreements.geometry.iloc[STRAINED]
    parties = agreements["parties"].iloc[STRAINED]
    signed = end - timedelta(days=STRAINED_DAYS)
    window = 365
    days = pd.to_datetime(incidents["occurred_on"]).dt.date
    inside = shapely.contains_xy(area, incidents.geometry.x.to_numpy(), incidents.geometry.y.to_numpy())
    before = int((inside & (days >= signed - timedelta(days=window)) & (days < signed)).sum())
    after = int((inside & (days > signed)).sum())
    wanted = math.ceil(3 * before / window * STRAINED_DAYS) + 12
    moved = max(0, wanted - after)
    far = np.flatnonzero(~inside)[-moved:] if moved else np.array([], dtype=int)
    out = incidents.copy()
    minx, miny, maxx, maxy = area.bounds
    points: list[shapely.Point] = []
    while len(points) < len(far):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if area.contains(shapely.Point(x, y)):
            points.append(shapely.Point(x, y))
    geom = out.geometry.to_numpy().copy()
    geom[far] = points
    out = out.set_geometry(gpd.GeoSeries(geom, crs=out.crs, index=out.index))
    rows = out.index[far]
    out.loc[rows, "occurred_on"] = [
        pd.Timestamp(signed + timedelta(days=int(d))) for d in rng.integers(1, STRAINED_DAYS + 1, len(far))
    ]
    out.loc[rows, "event_type"] = "battle"
    out.loc[rows, "actor1"] = rng.choice(np.array(["UPC", "Anti-balaka"], dtype=object), len(far))
    out.loc[rows, "actor2"] = "Civilians (Central African Republic)"
    out.loc[rows, "geo_precision"] = 1
    out.loc[rows, "location_name"] = "Bambari area"
    assert parties  # the actors above are the first two parties' groups
    return out


def perceptions(
    rng: np.random.Generator,
    communities: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    agreements: gpd.GeoDataFrame,
    end: date,
) -> gpd.GeoDataFrame:
    """Two waves over the three most populous towns of each area; trust falls
    in the area holding the strained agreement."""
    level1 = areas[areas["level"] == 1].reset_index(drop=True)
    area = _area_of(communities.geometry.values, level1)
    falls = _area_of(np.array([agreements.geometry.iloc[STRAINED].representative_point()]), level1)[0]
    rows: list[dict] = []
    geoms: list = []
    for a in range(len(level1)):
        towns = communities[area == a].nlargest(3, "population")
        base = {k: v + rng.uniform(-0.08, 0.08) for k, v in INDICATORS.items()}
        if a == falls:
            base["trust_in_mission"] = 0.62
        for w, back in enumerate(WAVE_DAYS):
            fielded = end - timedelta(days=back)
            for t in towns.itertuples():
                for indicator, p in base.items():
                    if w == 1:
                        p = 0.41 if (a == falls and indicator == "trust_in_mission") else p + rng.uniform(-0.01, 0.03)
                    n = int(rng.integers(80, 120))
                    k = int(rng.binomial(n, min(max(p, 0.02), 0.98)))
                    rows.append(
                        {
                            "survey": SURVEY,
                            "wave": fielded.strftime("%Y-%m"),
                            "fielded_on": pd.Timestamp(fielded + timedelta(days=int(rng.integers(0, 10)))),
                            "indicator": indicator,
                            "value": round(k / n, 4),
                            "sample_size": n,
                            "community_source_id": t.source_id,
                            "source": SYNTHETIC_SOURCE,
                            "source_id": f"demo-perception-{len(rows):05d}",
                        }
                    )
                    geoms.append(t.geom)
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs="EPSG:4326").rename_geometry("geom")
