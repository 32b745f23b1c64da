"""Who was heard (docs/politics.md#who-was-heard): per community or admin
area, which constituencies engagements reached and when last, how
concentrated the engagements were on a few interlocutors, and flags.

The core (:func:`hearing_table`) takes plain frames and reads no clock or
database; :func:`load_hearings` reads them from PostGIS. Nothing here
carries a name or a pseudonymous id: interlocutors appear as roles, counts
and shares."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo import vocab
from geo.analysis.areas import SIMPLIFY_DEG, default_level
from geo.analysis.gaps import GapResult
from geo.models import AdminArea, Community, Engagement, EngagementInterlocutor, Interlocutor
from geo.politics.params import ConstituencyParams
from geo.window import DateWindow

REQUIRED_VOICES = ("women", "youth")  # a place where none of these was heard in the window is flagged
UNITS = ("area", "community")


@dataclass
class Hearings:
    """Every engagement up to ``as_of`` (``id``, ``day``, ``unit``, ``constituencies``)
    and every (engagement, interlocutor) contact (``engagement_id``, ``interlocutor_id``,
    ``role``, ``gender``, ``age_band``)."""

    engagements: pd.DataFrame
    contacts: pd.DataFrame


def reached(constituencies: list[str], roles, genders, age_bands) -> set[str]:
    """The constituencies one engagement reached: those it recorded, those its
    interlocutors' roles speak for, women when a woman was heard, youth when a
    young person was (docs/politics.md#who-was-heard).

    Parameters
    ----------
    constituencies : list of str
        The engagement's own ``constituencies``.
    roles, genders, age_bands : iterables of str
        Its interlocutors'.

    Returns
    -------
    set of str
    """
    out = set(constituencies)
    out |= {vocab.ROLE_CONSTITUENCY[r] for r in roles if r in vocab.ROLE_CONSTITUENCY}
    if "female" in set(genders):
        out.add("women")
    if set(age_bands) & set(vocab.YOUTH_AGE_BANDS):
        out.add("youth")
    return out


def concentration(counts: np.ndarray, engagements_of: list[set[int]], ids: np.ndarray, k: int) -> tuple:
    """Concentration of the engagements on their interlocutors.

    Parameters
    ----------
    counts : numpy.ndarray
        Engagements each interlocutor took part in (same order as ``ids``).
    engagements_of : list of set of int
        The engagements of each interlocutor.
    ids : numpy.ndarray
        Interlocutor ids.
    k : int
        How many of the most-heard to take together.

    Returns
    -------
    tuple
        (share of the engagements with any of the top 1, top k and top 3
        interlocutors, Herfindahl–Hirschman index of the contacts, the top
        k's positions); shares divide by the engagements that recorded
        interlocutors. The most-heard are by engagements, ties by smaller id.
    """
    order = np.lexsort((ids, -counts))
    total = len(set().union(*engagements_of)) if engagements_of else 0

    def share(top: int) -> float:
        met = set().union(*(engagements_of[i] for i in order[:top])) if top else set()
        return len(met) / total if total else 0.0

    contacts = counts.sum()
    hhi = float(((counts / contacts) ** 2).sum()) if contacts else 0.0
    return share(1), share(k), share(3), hhi, order[:k]


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def hearing_table(h: Hearings, params: ConstituencyParams) -> pd.DataFrame:
    """One row per unit (the ``unit`` of each engagement) with its figures.

    Parameters
    ----------
    h : Hearings
    params : ConstituencyParams

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``engagements``, ``engagements_with_interlocutors``,
        ``interlocutors``, ``last_<constituency>`` for each constituency (the
        last day it was reached up to ``as_of``, any window), ``reached``
        and ``not_reached`` (in the window), ``top1_share``, ``top_share``,
        ``top3_share``, ``hhi``, ``top_roles``, ``flags``, ``reasons``.
    """
    window = DateWindow.ending(params.as_of, params.window_days)
    e = h.engagements[(h.engagements["day"] <= params.as_of) & h.engagements["unit"].notna()]
    c = h.contacts[h.contacts["engagement_id"].isin(e["id"])]
    by_engagement = c.groupby("engagement_id")
    people = dict(iter(by_engagement))
    reach = {
        eid: reached(
            constituencies,
            *((people[eid][col].tolist() if eid in people else []) for col in ("role", "gender", "age_band")),
        )
        for eid, constituencies in zip(e["id"].tolist(), e["constituencies"].tolist(), strict=True)
    }
    rows = []
    for unit, group in e.groupby("unit", sort=True):
        inside = group[(group["day"] >= window.start) & (group["day"] <= window.end)]
        last = dict.fromkeys(vocab.CONSTITUENCIES)
        for row in group.sort_values("day").itertuples():
            for v in reach[row.id]:
                last[v] = row.day
        in_window = set().union(*(reach[i] for i in inside["id"])) if len(inside) else set()
        contacts = c[c["engagement_id"].isin(inside["id"])]
        per = contacts.groupby("interlocutor_id")
        ids = np.array(list(per.groups), dtype=np.int64)
        counts = np.array([len(per.groups[i]) for i in ids], dtype=np.int64)
        engagements_of = [set(contacts.loc[per.groups[i], "engagement_id"]) for i in ids]
        role_of = contacts.drop_duplicates("interlocutor_id").set_index("interlocutor_id")["role"]
        top1, topk, top3, hhi, top = concentration(counts, engagements_of, ids, params.concentration_top)
        recorded = int(contacts["engagement_id"].nunique())
        rows.append(
            _row(
                unit,
                len(inside),
                recorded,
                len(ids),
                last,
                in_window,
                (top1, topk, top3, hhi),
                [role_of[ids[i]] for i in top],
                params,
            )
        )
    return pd.DataFrame(rows)


def _row(unit, n: int, recorded: int, people: int, last: dict, in_window: set, shares: tuple, top_roles, params):
    top1, topk, top3, hhi = shares
    k, days = params.concentration_top, params.window_days
    flags, reasons = [], []
    enough = n >= params.min_engagements
    if enough and recorded and topk > params.concentration_share:
        flags.append("concentrated")
        who = ", ".join(vocab.ROLE_LABELS.get(r, r.replace("_", " ")) for r in top_roles)
        reasons.append(
            f"{_pct(topk)} of {recorded} engagements with interlocutors were with the same {k} "
            f"interlocutor{'s' if k > 1 else ''} ({who}) in {days} days"
        )
    silent = [v for v in REQUIRED_VOICES if v not in in_window]
    if enough and silent:
        flags += [f"no_{v}" for v in silent]
        reasons.append(f"no {' or '.join(silent)} engagement in {days} days ({n} engagements)")
    return {
        "unit": unit,
        "engagements": n,
        "engagements_with_interlocutors": recorded,
        "interlocutors": people,
        **{f"last_{v}": last[v] for v in vocab.CONSTITUENCIES},
        "reached": [v for v in vocab.CONSTITUENCIES if v in in_window],
        "not_reached": [v for v in vocab.CONSTITUENCIES if v not in in_window],
        "top1_share": round(top1, 4),
        "top_share": round(topk, 4),
        "top3_share": round(top3, 4),
        "hhi": round(hhi, 4),
        "top_roles": list(top_roles),
        "flags": flags,
        "reasons": reasons,
    }


def load_hearings(session: Session, params: ConstituencyParams, by: str, level: int | None) -> Hearings:
    """Engagements up to ``as_of`` with their unit (the linked community, or the
    admin area of ``level`` holding the engagement's point), and their contacts.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    params : ConstituencyParams
    by : str
        ``area`` or ``community``.
    level : int, optional
        Admin level (``area``).

    Returns
    -------
    Hearings
    """
    upto = func.date(func.timezone("UTC", Engagement.occurred_at))
    if by == "community":
        unit = Engagement.community_id
        stmt = select(Engagement.id, upto, unit, Engagement.constituencies)
    else:
        stmt = select(Engagement.id, upto, AdminArea.id, Engagement.constituencies).join(
            AdminArea, (AdminArea.level == level) & func.ST_Intersects(AdminArea.geom, Engagement.geom)
        )
    rows = session.execute(stmt.where(upto <= params.as_of).order_by(Engagement.id, stmt.selected_columns[2])).all()
    engagements = pd.DataFrame(rows, columns=["id", "day", "unit", "constituencies"]).drop_duplicates("id")
    contacts = pd.DataFrame(
        session.execute(
            select(
                EngagementInterlocutor.engagement_id,
                EngagementInterlocutor.interlocutor_id,
                Interlocutor.role,
                Interlocutor.gender,
                Interlocutor.age_band,
            ).join(Interlocutor, Interlocutor.id == EngagementInterlocutor.interlocutor_id)
        ).all(),
        columns=["engagement_id", "interlocutor_id", "role", "gender", "age_band"],
    )
    return Hearings(engagements, contacts)


def _iso(v: date | None) -> str | None:
    return None if v is None else v.isoformat()


def constituencies(session: Session, params: ConstituencyParams, *, by: str = "area", level: int | None = None) -> dict:
    """Who was heard, per admin area (all of one level) or per community
    (those with an engagement in the window), as a GeoJSON FeatureCollection.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    params : ConstituencyParams
    by : str
        ``area`` or ``community``.
    level : int, optional
        Admin level of the areas (default: the one most communities link to).

    Returns
    -------
    dict
        Features ordered flagged first, then by engagements; properties as
        :func:`hearing_table` plus ``name`` (and ``level`` for areas).
    """
    level = default_level(session) if level is None else level
    table = hearing_table(load_hearings(session, params, by, level), params)
    figures = {r["unit"]: r for r in table.to_dict("records")} if len(table) else {}
    if by == "community":
        figures = {unit: row for unit, row in figures.items() if row["engagements"]}  # engaged in the window
        places = session.execute(
            select(Community.id, Community.name, func.ST_AsGeoJSON(Community.geom, 6)).where(
                Community.id.in_(list(figures))
            )
        ).all()
        extra: dict = {}
    else:
        places = session.execute(
            select(
                AdminArea.id,
                AdminArea.name,
                func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(AdminArea.geom, SIMPLIFY_DEG), 5),
            ).where(AdminArea.level == level)
        ).all()
        extra = {"level": level}
    empty = _row(None, 0, 0, 0, dict.fromkeys(vocab.CONSTITUENCIES), set(), (0.0, 0.0, 0.0, 0.0), [], params)
    features = []
    for pid, name, geometry in places:
        props = {k: v for k, v in figures.get(pid, empty).items() if k != "unit"}
        props = {k: (_iso(v) if k.startswith("last_") else v) for k, v in props.items()}
        features.append(
            {
                "type": "Feature",
                "id": pid,
                "geometry": json.loads(geometry),
                "properties": {"name": name, **extra, **props},
            }
        )
    features.sort(key=lambda f: (-len(f["properties"]["flags"]), -f["properties"]["engagements"], f["id"]))
    return {
        "type": "FeatureCollection",
        "by": by,
        "params": {**{k: getattr(params, k) for k in params.__dataclass_fields__}, "as_of": params.as_of.isoformat()},
        "numberMatched": len(features),
        "features": features,
    }


def not_heard(session: Session, params: ConstituencyParams) -> dict[int, list[str]]:
    """Per community, the constituencies its engagements did not reach in the
    window (``not_reached`` of :func:`hearing_table`, by community); a
    community absent from the answer had no engagement up to ``as_of`` and
    was heard by none.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    params : ConstituencyParams

    Returns
    -------
    dict of int to list of str
        Community id → constituencies in vocabulary order.
    """
    table = hearing_table(load_hearings(session, params, "community", None), params)
    if table.empty:
        return {}
    return {int(unit): list(missing) for unit, missing in zip(table["unit"], table["not_reached"], strict=True)}


def with_not_heard(session: Session, result: GapResult) -> GapResult:
    """An engagement-gap result with ``constituencies_not_heard`` per row
    (:func:`not_heard` for the result's ``as_of`` and the constituency
    analysis' own window): the worklist's column and filter
    (docs/analysis.md#worklist).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    result : GapResult

    Returns
    -------
    GapResult
        A copy; the given result (perhaps the cache's) is not changed.
    """
    missing = not_heard(session, ConstituencyParams(as_of=result.params.as_of))
    everyone = list(vocab.CONSTITUENCIES)
    column = [missing.get(int(c), everyone) for c in result.table["community_id"]]
    table = result.table.assign(constituencies_not_heard=pd.Series(column, index=result.table.index, dtype=object))
    return replace(result, table=table)
