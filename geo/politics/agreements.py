"""Whether local agreements hold (docs/politics.md#agreements): incidents and
fatalities inside an agreement's area per month before and after signing,
the rate ratio after/before with its exact interval, the incidents whose
actors match the agreement's parties (possible violations), the status
history, and a ranking by strain.

``strain`` is the low end of the rate ratio's 95 % interval: the smallest
rise in the incident rate the data support (above 1: incidents rose beyond
chance). Agreements without an area or a signing day, or signed after
``as_of``, are listed last with no figures.

Reasons are codes of :data:`geo.reasons.REASONS` (``explanation``),
written in a language only where an answer is made
(:func:`ranked_agreements`, :func:`agreement_detail`: docs/politics.md#reasons)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.errors import NotFound
from geo.i18n import ENGLISH, Translator
from geo.models import Agreement, AgreementStatusHistory, Incident
from geo.politics.params import AgreementParams
from geo.politics.stats import rate_ratio
from geo.reasons import Reason, with_text

DAYS_PER_MONTH = 365.25 / 12
STOPWORDS = frozenset(
    ["a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "of", "the", "and"]
)


def tokens(text: str | None) -> frozenset[str]:
    """A name as a set of words: accents removed (NFKD), case folded, cut at
    anything that is not a letter or digit, short connecting words dropped.

    Parameters
    ----------
    text : str or None

    Returns
    -------
    frozenset of str
    """
    if not isinstance(text, str) or not text:  # None, or a missing value from a frame
        return frozenset()
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()
    return frozenset(w for w in re.split(r"[^0-9a-z]+", plain) if w and w not in STOPWORDS)


def matching_party(actor: str | None, parties: list[str]) -> str | None:
    """The first party an incident's actor names: one's words all among the
    other's ("Anti-balaka" and "Anti-balaka (Nana-Bakassa/Kouki)", "Ex-Seleka"
    and "Ex-Séléka").

    Parameters
    ----------
    actor : str or None
    parties : list of str

    Returns
    -------
    str or None
    """
    a = tokens(actor)
    if not a:
        return None
    for party in parties:
        p = tokens(party)
        if p and (a <= p or p <= a):
            return party
    return None


def periods(signed: date, params: AgreementParams) -> tuple[tuple[date, date], tuple[date, date] | None]:
    """The days compared: the ``window_days`` before the signing day, and up to
    ``window_days`` after it, cut at ``as_of`` (None when none has passed). The
    signing day itself belongs to neither.

    Parameters
    ----------
    signed : datetime.date
    params : AgreementParams

    Returns
    -------
    tuple
        ((first, last) before, (first, last) after or None).
    """
    before = (signed - timedelta(days=params.window_days), signed - timedelta(days=1))
    last = min(signed + timedelta(days=params.window_days), params.as_of)
    return before, ((signed + timedelta(days=1), last) if last > signed else None)


def _days(p: tuple[date, date] | None) -> int:
    return 0 if p is None else (p[1] - p[0]).days + 1


def _months(incidents: pd.DataFrame, before, after) -> list[dict]:
    first, last = before[0], (after or before)[1]
    out, month = [], date(first.year, first.month, 1)
    while month <= last:
        nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        entry: dict = {"month": month.strftime("%Y-%m")}
        for name, p in (("before", before), ("after", after)):
            lo, hi = (max(month, p[0]), min(nxt - timedelta(days=1), p[1])) if p else (month, month - timedelta(1))
            inside = incidents[(incidents["day"] >= lo) & (incidents["day"] <= hi)]
            entry[f"days_{name}"] = max(0, (hi - lo).days + 1)
            entry[f"incidents_{name}"] = len(inside)
            entry[f"fatalities_{name}"] = int(inside["fatalities"].sum())
        out.append(entry)
        month = nxt
    return out


def assess(agreement: dict, incidents: pd.DataFrame, params: AgreementParams) -> dict:
    """The figures of one agreement from the incidents inside its area.

    Parameters
    ----------
    agreement : dict
        ``id``, ``name``, ``status``, ``signed_on``, ``parties``, ``has_area``.
    incidents : pandas.DataFrame
        ``id``, ``day``, ``fatalities``, ``event_type``, ``actor1``, ``actor2``
        of the incidents inside the area (any day).
    params : AgreementParams

    Returns
    -------
    dict
        JSON-ready; ``strain`` None when it cannot be assessed; ``flags``
        and ``explanation`` (their reasons, codes with parameters).
    """
    base = {k: agreement[k] for k in ("id", "name", "status", "parties", "has_area")}
    signed = agreement["signed_on"]
    base["signed_on"] = signed.isoformat() if signed else None
    why: Reason | None = (
        {"code": "agreement_no_area", "params": {}}
        if not agreement["has_area"]
        else {"code": "agreement_not_signed", "params": {}}
        if signed is None
        else {
            "code": "agreement_signed_after",
            "params": {"signed_on": signed.isoformat(), "as_of": params.as_of.isoformat()},
        }
        if signed > params.as_of
        else None
    )
    if why:
        return {**base, "assessed": False, "strain": None, "flags": [], "explanation": [why]}
    before, after = periods(signed, params)
    days = incidents["day"]
    b = incidents[(days >= before[0]) & (days <= before[1])]
    a = incidents[(days >= after[0]) & (days <= after[1])] if after else incidents.iloc[0:0]
    t_b, t_a = _days(before), _days(after)
    ratio = rate_ratio(len(a), t_a, len(b), t_b) if t_a else None
    parties = agreement["parties"]

    def party_of(row: dict) -> str | None:
        return matching_party(row["actor1"], parties) or matching_party(row["actor2"], parties)

    violations = [
        {
            "id": int(r["id"]),
            "occurred_on": r["day"].isoformat(),
            "event_type": r["event_type"],
            "actor1": r["actor1"],
            "actor2": r["actor2"],
            "fatalities": int(r["fatalities"]),
            "party": party_of(r),
        }
        for r in a.to_dict("records")
        if party_of(r)
    ]
    party_before = sum(1 for r in b.to_dict("records") if party_of(r))
    strain = 0.0 if ratio is None or ratio.low is None else ratio.low
    flags: list[str] = []
    reasons: list[Reason] = []

    def per_month(n: int, t: int) -> float | None:
        return round(n / t * DAYS_PER_MONTH, 3) if t else None

    if ratio is not None and ratio.low is not None and ratio.low > 1:
        flags.append("incidents_rose")
        reasons.append(
            {
                "code": "incidents_rose",
                "params": {
                    "per_month_before": len(b) / t_b * DAYS_PER_MONTH,
                    "per_month_after": len(a) / t_a * DAYS_PER_MONTH,
                    "ratio_low": ratio.low,
                },
            }
        )
    if violations:
        flags.append("possible_violations")
        reasons.append({"code": "party_incidents", "params": {"violations": len(violations)}})
    return {
        **base,
        "assessed": True,
        "before": {"first": before[0].isoformat(), "last": before[1].isoformat(), "days": t_b},
        "after": {"first": after[0].isoformat(), "last": after[1].isoformat(), "days": t_a} if after else None,
        "incidents_before": len(b),
        "incidents_after": len(a),
        "fatalities_before": int(b["fatalities"].sum()),
        "fatalities_after": int(a["fatalities"].sum()),
        "incidents_per_month_before": per_month(len(b), t_b),
        "incidents_per_month_after": per_month(len(a), t_a),
        "fatalities_per_month_before": per_month(int(b["fatalities"].sum()), t_b),
        "fatalities_per_month_after": per_month(int(a["fatalities"].sum()), t_a),
        "rate_ratio": ratio.as_dict() if ratio else None,
        "strain": strain,
        "party_incidents_before": party_before,
        "party_incidents_after": len(violations),
        "violations": violations,
        "months": _months(incidents, before, after),
        "flags": flags,
        "explanation": reasons,
    }


def _load(
    session: Session, params: AgreementParams, agreement_id: int | None = None
) -> list[tuple[dict, pd.DataFrame]]:
    where = [] if agreement_id is None else [Agreement.id == agreement_id]
    agreements = session.execute(
        select(
            Agreement.id,
            Agreement.name,
            Agreement.status,
            Agreement.signed_on,
            Agreement.parties,
            func.ST_Dimension(Agreement.geom) == 2,
        )
        .where(*where)
        .order_by(Agreement.id)
    ).all()
    if agreement_id is not None and not agreements:
        raise NotFound(f"agreement {agreement_id} does not exist", field="id")
    span = timedelta(days=params.window_days)
    inside = session.execute(
        select(
            Agreement.id,
            Incident.id,
            Incident.occurred_on,
            Incident.fatalities,
            Incident.event_type,
            Incident.actor1,
            Incident.actor2,
        )
        .join(Incident, func.ST_Intersects(Agreement.geom, Incident.geom))
        .where(
            *where,
            func.ST_Dimension(Agreement.geom) == 2,
            Agreement.signed_on.is_not(None),
            Incident.occurred_on >= Agreement.signed_on - span,
            Incident.occurred_on <= Agreement.signed_on + span,
            Incident.occurred_on <= params.as_of,
        )
        .order_by(Incident.occurred_on, Incident.id)
    ).all()
    frame = pd.DataFrame(inside, columns=["agreement_id", "id", "day", "fatalities", "event_type", "actor1", "actor2"])
    keys = ("id", "name", "status", "signed_on", "parties", "has_area")
    return [
        (dict(zip(keys, row, strict=True)), frame[frame["agreement_id"] == row[0]].drop(columns="agreement_id"))
        for row in agreements
    ]


def ranked_agreements(session: Session, params: AgreementParams, tr: Translator = ENGLISH) -> list[dict]:
    """Every agreement assessed, ranked by strain (highest first; then more
    possible violations, then id); the ones that cannot be assessed last.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    params : AgreementParams
    tr : Translator
        The language of the reasons (``reasons``, and ``explanation``'s ``text``).

    Returns
    -------
    list of dict
        Each with ``rank`` (from 1).
    """
    out = [with_text(assess(a, inc, params), tr) for a, inc in _load(session, params)]
    out.sort(
        key=lambda r: (
            r["strain"] is None,
            -(r["strain"] or 0.0),
            -r.get("party_incidents_after", 0),
            r["id"],
        )
    )
    for i, r in enumerate(out, 1):
        r["rank"] = i
    return out


def status_history(session: Session, agreement_id: int) -> list[dict]:
    """Every status the agreement has had, oldest first.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    agreement_id : int

    Returns
    -------
    list of dict
        ``status``, ``previous_status``, ``changed_at``, ``changed_by``.
    """
    rows = session.execute(
        select(
            AgreementStatusHistory.status,
            AgreementStatusHistory.previous_status,
            AgreementStatusHistory.changed_at,
            AgreementStatusHistory.changed_by,
        )
        .where(AgreementStatusHistory.agreement_id == agreement_id)
        .order_by(AgreementStatusHistory.changed_at, AgreementStatusHistory.id)
    ).all()
    return [
        {"status": s, "previous_status": p, "changed_at": at.isoformat(), "changed_by": by} for s, p, at, by in rows
    ]


def agreement_detail(session: Session, agreement_id: int, params: AgreementParams, tr: Translator = ENGLISH) -> dict:
    """One agreement assessed, with its status history and its rank among all.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    agreement_id : int
    params : AgreementParams
    tr : Translator
        The language of the reasons.

    Returns
    -------
    dict
    """
    ranked = ranked_agreements(session, params, tr)
    found = next((r for r in ranked if r["id"] == agreement_id), None)
    if found is None:
        raise NotFound(f"agreement {agreement_id} does not exist", field="id")
    return {**found, "status_history": status_history(session, agreement_id)}
