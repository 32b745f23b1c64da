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
from geo.analysis import heap
from geo.analysis.areas import SIMPLIFY_DEG, default_level
from geo.analysis.gaps import GapResult
from geo.i18n import ENGLISH, Translator
from geo.models import AdminArea, Community, Engagement, EngagementInterlocutor, Interlocutor
from geo.politics.params import ConstituencyParams
from geo.reach.cache import SnapshotCache
from geo.reasons import Reason, with_text
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


BITS = {v: 1 << i for i, v in enumerate(vocab.CONSTITUENCIES)}  # a set of constituencies as one integer


def reach_masks(h: Hearings) -> np.ndarray:
    """:func:`reached` of every engagement of ``h`` at once, as bit masks
    (:data:`BITS`), in the order of ``h.engagements``.

    Engagement ids must be unique (``load_hearings`` keeps one row per
    engagement). Computed with array operations: a per-engagement loop in
    Python took ~2 s for the demo's 2 000 communities and would take minutes
    at reference scale (the worklist reads it on every request).

    Parameters
    ----------
    h : Hearings

    Returns
    -------
    numpy.ndarray of int64
    """
    e, c = h.engagements, h.contacts
    masks = np.zeros(len(e), np.int64)
    own = pd.Series(list(e["constituencies"]), dtype=object).explode().dropna()
    np.bitwise_or.at(masks, own.index.to_numpy(np.int64), own.map(BITS).to_numpy(np.int64))
    at = pd.Index(e["id"]).get_indexer(c["engagement_id"])
    known = at >= 0
    roles = {r: BITS[v] for r, v in vocab.ROLE_CONSTITUENCY.items()}
    spoken = c["role"].map(roles).fillna(0).to_numpy(np.int64, copy=True)
    spoken |= np.where(c["gender"].to_numpy(object) == "female", BITS["women"], 0)
    spoken |= np.where(c["age_band"].isin(vocab.YOUTH_AGE_BANDS).to_numpy(), BITS["youth"], 0)
    np.bitwise_or.at(masks, at[known], spoken[known])
    return masks


def _segments(units: pd.Index, unit: np.ndarray, values: np.ndarray) -> list[list]:
    """``values`` (sorted by ``unit``) as one list per unit of ``units`` ([] where none)."""
    out: list[list] = [[] for _ in range(len(units))]
    if not len(unit):
        return out
    cuts = np.flatnonzero(unit[1:] != unit[:-1]) + 1
    for first, part in zip(np.r_[0, cuts], np.split(values, cuts), strict=True):
        out[units.get_loc(unit[first])] = part.tolist()
    return out


@dataclass
class Concentration:
    """Per unit (one entry each, in the order of the units given to :func:`_shares`)."""

    recorded: np.ndarray  # engagements with any contact
    people: np.ndarray  # distinct interlocutors
    shares: dict[str, np.ndarray]  # "top1", "topk", "top3", "hhi"
    roles: list[list[str]]  # the top k's roles, most heard first


def _shares(contacts: pd.DataFrame, units: pd.Index, k: int) -> Concentration:
    """Concentration of each unit's window engagements on their interlocutors.

    ``contacts`` holds the window's (engagement, interlocutor) contacts with
    the engagement's ``unit``. Per unit of ``units``: the engagements with
    any contact (``recorded``), the distinct interlocutors (``people``), the
    share of ``recorded`` with any of the top 1, top ``k`` and top 3
    interlocutors (``top1``, ``topk``, ``top3``; the most-heard by contacts,
    ties by smaller id), the Herfindahl–Hirschman index of the contacts
    (``hhi``: Σ count² / (Σ count)², integers then one division, so it is the
    float nearest the exact ratio) and the top ``k``'s roles.
    """
    n = len(units)
    out = Concentration(
        np.zeros(n, np.int64),
        np.zeros(n, np.int64),
        {key: np.zeros(n) for key in ("top1", "topk", "top3", "hhi")},
        [[] for _ in range(n)],
    )
    if contacts.empty:
        return out
    per = (
        contacts.groupby(["unit", "interlocutor_id"], sort=True)
        .agg(count=("engagement_id", "size"), role=("role", "first"))
        .reset_index()
    )
    per["square"] = per["count"] ** 2
    sums = per.groupby("unit", sort=True).agg(
        people=("count", "size"), total=("count", "sum"), squares=("square", "sum")
    )
    pos = units.get_indexer(sums.index)
    out.people[pos] = sums["people"].to_numpy()
    out.shares["hhi"][pos] = sums["squares"].to_numpy(np.int64) / sums["total"].to_numpy(np.int64) ** 2
    by_rank = per.sort_values(["unit", "count", "interlocutor_id"], ascending=[True, False, True], kind="stable")
    by_rank["rank"] = by_rank.groupby("unit", sort=False).cumcount()
    ranked = contacts.merge(by_rank[["unit", "interlocutor_id", "rank"]], on=["unit", "interlocutor_id"])
    recorded = contacts.groupby("unit", sort=True)["engagement_id"].nunique()
    at = units.get_indexer(recorded.index)
    out.recorded[at] = recorded.to_numpy()
    for key, first in (("top1", 1), ("topk", k), ("top3", 3)):
        met = ranked[ranked["rank"] < first].groupby("unit", sort=True)["engagement_id"].nunique()
        out.shares[key][at] = met.reindex(recorded.index, fill_value=0).to_numpy(np.int64) / recorded.to_numpy(np.int64)
    top = by_rank[by_rank["rank"] < k]
    out.roles = _segments(units, top["unit"].to_numpy(), top["role"].to_numpy(object))
    return out


def hearing_table(h: Hearings, params: ConstituencyParams) -> pd.DataFrame:
    """One row per unit (the ``unit`` of each engagement) with its figures.

    Parameters
    ----------
    h : Hearings
        Engagement ids unique.
    params : ConstituencyParams

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``engagements``, ``engagements_with_interlocutors``,
        ``interlocutors``, ``last_<constituency>`` for each constituency (the
        last day it was reached up to ``as_of``, any window), ``reached``
        and ``not_reached`` (in the window), ``top1_share``, ``top_share``,
        ``top3_share``, ``hhi``, ``top_roles``, ``flags``, ``explanation``
        (the flags' reasons, codes with parameters); units in ascending order.
    """
    window = DateWindow.ending(params.as_of, params.window_days)
    e = h.engagements[(h.engagements["day"] <= params.as_of) & h.engagements["unit"].notna()].reset_index(drop=True)
    c = h.contacts[h.contacts["engagement_id"].isin(e["id"])]
    masks = reach_masks(Hearings(e, c))
    units = pd.Index(e["unit"].drop_duplicates().sort_values())
    at = units.get_indexer(e["unit"])
    days = np.array(e["day"].tolist(), dtype="datetime64[D]").astype(np.int64)  # days since 1970
    inside = (days >= _epoch_day(window.start)) & (days <= _epoch_day(window.end))
    heard = np.zeros(len(units), np.int64)
    np.bitwise_or.at(heard, at[inside], masks[inside])
    counts = np.bincount(at[inside], minlength=len(units))
    last = {}
    for v, bit in BITS.items():
        latest = np.full(len(units), NEVER)
        reached_v = (masks & bit) != 0
        np.maximum.at(latest, at[reached_v], days[reached_v])
        dates = latest.astype("datetime64[D]").astype(object)
        dates[latest == NEVER] = None
        last[f"last_{v}"] = dates
    ids = e.loc[inside, ["id", "unit"]].rename(columns={"id": "engagement_id"})
    f = _shares(c.merge(ids, on="engagement_id"), units, params.concentration_top)
    with heap.paused():  # tens of thousands of small acyclic lists (geo/analysis/heap.py)
        masks_of_units = heard.tolist()
        said = {m: [v for v, bit in BITS.items() if m & bit] for m in set(masks_of_units)}
        unsaid = {m: [v for v in vocab.CONSTITUENCIES if v not in heard_v] for m, heard_v in said.items()}
        flags: list[list[str]] = [[] for _ in range(len(units))]
        reasons: list[list[Reason]] = [[] for _ in range(len(units))]
        for i in np.flatnonzero(counts >= params.min_engagements).tolist():  # flags need enough engagements
            flags[i], reasons[i] = _verdict(
                int(counts[i]),
                int(f.recorded[i]),
                float(f.shares["topk"][i]),
                said[masks_of_units[i]],
                f.roles[i],
                params,
            )
        return pd.DataFrame(
            {
                "unit": units,
                "engagements": counts,
                "engagements_with_interlocutors": f.recorded,
                "interlocutors": f.people,
                **last,
                "reached": [list(said[m]) for m in masks_of_units],
                "not_reached": [list(unsaid[m]) for m in masks_of_units],
                **{name: [round(x, 4) for x in f.shares[key].tolist()] for name, key in SHARES.items()},
                "top_roles": f.roles,
                "flags": flags,
                "explanation": reasons,
            },
            index=pd.RangeIndex(len(units)),
        )


NEVER = np.iinfo(np.int64).min  # "never reached", below every day
SHARES = {"top1_share": "top1", "top_share": "topk", "top3_share": "top3", "hhi": "hhi"}  # column → :func:`_shares` key


def _epoch_day(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _verdict(
    n: int, recorded: int, topk: float, heard: list[str], top_roles: list[str], params
) -> tuple[list[str], list[Reason]]:
    """The flags of a unit with enough engagements (``n`` ≥ ``min_engagements``) and their reasons."""
    k, days = params.concentration_top, params.window_days
    flags: list[str] = []
    reasons: list[Reason] = []
    if recorded and topk > params.concentration_share:
        flags.append("concentrated")
        reasons.append(
            {
                "code": "concentrated",
                "params": {
                    "share": topk,
                    "recorded": recorded,
                    "top": k,
                    "roles": list(top_roles),
                    "period_days": days,
                },
            }
        )
    silent = [v for v in REQUIRED_VOICES if v not in heard]
    if silent:
        flags += [f"no_{v}" for v in silent]
        reasons.append({"code": "not_heard", "params": {"constituencies": silent, "period_days": days, "held": n}})
    return flags, reasons


def unheard_row() -> dict:
    """The figures of a unit with no engagement up to ``as_of``: heard by none, no flag."""
    return {
        "engagements": 0,
        "engagements_with_interlocutors": 0,
        "interlocutors": 0,
        **{f"last_{v}": None for v in vocab.CONSTITUENCIES},
        "reached": [],
        "not_reached": list(vocab.CONSTITUENCIES),
        **dict.fromkeys(SHARES, 0.0),
        "top_roles": [],
        "flags": [],
        "explanation": [],
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


def constituencies(
    session: Session,
    params: ConstituencyParams,
    *,
    by: str = "area",
    level: int | None = None,
    tr: Translator = ENGLISH,
) -> dict:
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
    tr : Translator
        The language of the reasons.

    Returns
    -------
    dict
        Features ordered flagged first, then by engagements; properties as
        :func:`hearing_table` plus ``name`` (and ``level`` for areas), with
        ``reasons`` (the flags' sentences in ``tr``'s language) and
        ``explanation`` (their codes, parameters and text: :func:`geo.reasons.with_text`).
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
    empty = unheard_row()
    features = []
    for pid, name, geometry in places:
        props = {k: v for k, v in figures.get(pid, empty).items() if k != "unit"}
        props = with_text({k: (_iso(v) if k.startswith("last_") else v) for k, v in props.items()}, tr)
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


# The tables :func:`load_hearings` reads by community (all in the change log,
# migrations 0002 and 0008): a kept :func:`not_heard` answer holds until one changes.
READS = frozenset({"engagements", "engagement_interlocutors", "interlocutors"})
NOT_HEARD = SnapshotCache("not_heard", watched=READS)


def not_heard(session: Session, params: ConstituencyParams) -> dict[int, list[str]]:
    """Per community, the constituencies its engagements did not reach in the
    window (``not_reached`` of :func:`hearing_table`, by community); a
    community absent from the answer had no engagement up to ``as_of`` and
    was heard by none.

    The worklist reads it on every request: the answer is kept per
    parameters until an engagement, an interlocutor or a link between them
    is written (:data:`NOT_HEARD`, a :class:`geo.reach.cache.SnapshotCache`).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    params : ConstituencyParams

    Returns
    -------
    dict of int to list of str
        Community id → constituencies in vocabulary order; shared, read only.
    """

    def make(session: Session) -> dict[int, list[str]]:
        table = hearing_table(load_hearings(session, params, "community", None), params)
        if table.empty:
            return {}
        return {int(unit): list(missing) for unit, missing in zip(table["unit"], table["not_reached"], strict=True)}

    return NOT_HEARD.get(session, (params,), make)


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
