"""An admin area's brief: what a planner brings to a coordination meeting
(docs/analysis.md#area-brief). The same content is the printable page
``/areas/{id}``, the JSON ``/api/v1/areas/{id}/brief`` and the PDF of
``peacemap brief``; every figure comes from the definitions the rest of the
product uses (the choropleth's per-area figures, the engagement-gap result,
the worklist), so the brief never disagrees with the map.

Who was heard, the agreements' strain and the perception trends are the
politics analyses' own answers for the area (``geo/politics``, their default
parameters with the brief's ``as_of``): the brief picks the area's entry, it
never computes them a second way, and it names roles and counts, never a
person (docs/politics.md#personal-data).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo import vocab
from geo.analysis.areas import admin_area_figures
from geo.analysis.cache import cached_gaps
from geo.analysis.params import GapParams
from geo.analysis.worklist import WorklistFilter, as_records, worklist
from geo.errors import NotFound
from geo.i18n import ENGLISH, Translator
from geo.models import AdminArea, Agreement, Engagement, Incident, Patrol, Perception, Qip
from geo.politics.agreements import ranked_agreements
from geo.politics.constituencies import constituencies, with_not_heard
from geo.politics.params import AgreementParams, ConstituencyParams, PerceptionParams
from geo.politics.perceptions import perception_trends
from geo.window import DateWindow

MONTHS = 24
TOP = 10
SERIES = ("incidents", "fatalities", "patrols", "engagements", "qips")


def months_ending(as_of: date, n: int = MONTHS) -> list[date]:
    """The first days of the ``n`` calendar months ending with ``as_of``'s, oldest first.

    Parameters
    ----------
    as_of : datetime.date
    n : int

    Returns
    -------
    list of datetime.date
    """
    index = as_of.year * 12 + as_of.month - 1
    return [date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(n - 1, -1, -1)]


def _utc_month(column):
    return func.date_trunc("month", func.timezone("UTC", column))


def monthly_series(session: Session, area_id: int, as_of: date) -> dict:
    """Per month of the :data:`MONTHS` ending with ``as_of``'s month, in the area:
    incidents and their deaths (``occurred_on``), patrols that ended
    (``ended_at``, UTC) with a track touching the area, engagements held
    (``occurred_at``, UTC) and QIPs started (``start_on``). Nothing after
    ``as_of`` counts; "in the area" is PostGIS ``ST_Intersects``.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    area_id : int
    as_of : datetime.date

    Returns
    -------
    dict
        ``months`` (``YYYY-MM``) and one list per series of :data:`SERIES`.
    """
    months = months_ending(as_of)
    first = months[0]
    area = select(AdminArea.geom).where(AdminArea.id == area_id).scalar_subquery()
    start_ts = datetime.combine(first, time(), tzinfo=UTC)
    end_ts = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)  # the start of the day after as_of

    def per_month(month_expr, value, *where) -> dict[str, float]:
        rows = session.execute(select(month_expr.label("m"), value).where(*where).group_by("m")).all()
        return {r[0].strftime("%Y-%m"): r[1] for r in rows}

    incidents = per_month(
        func.date_trunc("month", Incident.occurred_on),
        func.count(),
        Incident.occurred_on >= first,
        Incident.occurred_on <= as_of,
        func.ST_Intersects(Incident.geom, area),
    )
    deaths = per_month(
        func.date_trunc("month", Incident.occurred_on),
        func.coalesce(func.sum(Incident.fatalities), 0),
        Incident.occurred_on >= first,
        Incident.occurred_on <= as_of,
        func.ST_Intersects(Incident.geom, area),
    )
    patrols = per_month(
        _utc_month(Patrol.ended_at),
        func.count(),
        Patrol.ended_at >= start_ts,
        Patrol.ended_at < end_ts,
        func.ST_Intersects(Patrol.geom, area),
    )
    engagements = per_month(
        _utc_month(Engagement.occurred_at),
        func.count(),
        Engagement.occurred_at >= start_ts,
        Engagement.occurred_at < end_ts,
        func.ST_Intersects(Engagement.geom, area),
    )
    qips = per_month(
        func.date_trunc("month", Qip.start_on),
        func.count(),
        Qip.start_on >= first,
        Qip.start_on <= as_of,
        func.ST_Intersects(Qip.geom, area),
    )
    keys = [m.strftime("%Y-%m") for m in months]
    counted = {
        "incidents": incidents,
        "fatalities": deaths,
        "patrols": patrols,
        "engagements": engagements,
        "qips": qips,
    }
    return {"months": keys, **{name: [int(counted[name].get(k, 0)) for k in keys] for name in SERIES}}


def _area(session: Session, area_id: int):
    box = func.ST_Envelope(AdminArea.geom)
    row = session.execute(
        select(
            AdminArea.id,
            AdminArea.name,
            AdminArea.level,
            AdminArea.pcode,
            AdminArea.country,
            func.ST_XMin(box),
            func.ST_YMin(box),
            func.ST_XMax(box),
            func.ST_YMax(box),
            func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(AdminArea.geom, 0.002), 5),
        ).where(AdminArea.id == area_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"admin area {area_id} does not exist", field="area_id")
    return row


def _agreement_ids(session: Session, area_id: int) -> list[int]:
    """The agreements whose geometry intersects the area."""
    area = select(AdminArea.geom).where(AdminArea.id == area_id).scalar_subquery()
    return list(session.scalars(select(Agreement.id).where(func.ST_Intersects(Agreement.geom, area))))


def _of_area(features: list[dict], area_id: int) -> dict:
    return next(f["properties"] for f in features if f["id"] == area_id)


def hearing(session: Session, area_id: int, level: int, as_of: date, tr: Translator = ENGLISH) -> dict:
    """Who was heard in the area: its constituency coverage and interlocutor
    concentration as :func:`geo.politics.constituencies.constituencies`
    computes them for the areas of its level (default parameters, ``as_of``).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    area_id, level : int
        The area and its admin level.
    as_of : datetime.date
    tr : Translator
        The language of the flags' reasons.

    Returns
    -------
    dict
        The area's properties there (roles, counts and shares, never a
        person), ``window_days`` and ``concentration_top``.
    """
    params = ConstituencyParams(as_of=as_of)
    props = _of_area(constituencies(session, params, by="area", level=level, tr=tr)["features"], area_id)
    window = {"window_days": params.window_days, "concentration_top": params.concentration_top}
    return {**{k: v for k, v in props.items() if k not in ("name", "level")}, **window}


def agreement_strain(session: Session, agreement_ids: list[int], as_of: date, tr: Translator = ENGLISH) -> list[dict]:
    """Agreements as :func:`geo.politics.agreements.ranked_agreements`
    assesses them (their rank among all, strain, rates before and after
    signing), most strained first, without the per-incident list and months.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    agreement_ids : list of int
    as_of : datetime.date
    tr : Translator
        The language of the reasons.

    Returns
    -------
    list of dict
    """
    wanted = set(agreement_ids)
    ranked = ranked_agreements(session, AgreementParams(as_of=as_of), tr)
    return [{k: v for k, v in r.items() if k not in ("violations", "months")} for r in ranked if r["id"] in wanted]


def perception_series(session: Session, area_id: int, level: int, as_of: date, tr: Translator = ENGLISH) -> list[dict]:
    """Each indicator surveyed in the area up to ``as_of``: its waves with
    95 % intervals and the last change, as
    :func:`geo.politics.perceptions.perception_trends` computes them for the
    areas of its level.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    area_id, level : int
    as_of : datetime.date
    tr : Translator
        The language of the reasons.

    Returns
    -------
    list of dict
        ``indicator``, ``waves``, ``change``, ``flags``, ``reasons``,
        ``explanation`` (:func:`geo.reasons.with_text`); indicators
        without a wave are left out.
    """
    out = []
    params = PerceptionParams(as_of=as_of)
    area = select(AdminArea.geom).where(AdminArea.id == area_id).scalar_subquery()
    surveyed = set(
        session.scalars(
            select(Perception.indicator)
            .where(func.ST_Intersects(Perception.geom, area), Perception.fielded_on <= as_of)
            .distinct()
        )
    )
    for indicator in (i for i in vocab.PERCEPTION_INDICATORS if i in surveyed):
        trends = perception_trends(session, params, indicator=indicator, level=level, tr=tr)
        props = _of_area(trends["features"], area_id)
        if props["waves"]:
            out.append({k: props[k] for k in ("indicator", "waves", "change", "flags", "reasons", "explanation")})
    return out


def _data_dates(session: Session) -> dict[str, str | None]:
    """The latest date of each kind of record: how current the data is."""
    latest = {
        "incidents": session.scalar(select(func.max(Incident.occurred_on))),
        "patrols": session.scalar(select(func.max(Patrol.ended_at))),
        "engagements": session.scalar(select(func.max(Engagement.occurred_at))),
        "qips": session.scalar(select(func.max(Qip.start_on))),
    }
    days = {k: (v.astimezone(UTC).date() if isinstance(v, datetime) else v) for k, v in latest.items()}
    return {k: (v.isoformat() if v is not None else None) for k, v in days.items()}


def area_brief(session: Session, area_id: int, params: GapParams, tr: Translator = ENGLISH) -> dict:
    """Everything an area's brief shows, JSON-ready.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    area_id : int
        An admin area.
    params : GapParams
        ``as_of`` and ``window_days`` set the window of the figures and the
        engagement gaps; the series end with ``as_of``'s month.
    tr : Translator
        The language of the reasons' text (the under-engaged communities' and
        the politics analyses' alike).

    Returns
    -------
    dict
        ``area``, ``as_of``, ``window``, ``figures`` (the choropleth's for this
        area), ``series`` (:func:`monthly_series`), ``under_engaged`` (the
        :data:`TOP` first of the area's worklist, with reasons),
        ``hearing`` (:func:`hearing`), ``agreements`` (:func:`agreement_strain`),
        ``perceptions`` (:func:`perception_series`), ``data_dates``, ``parameters``.

    Raises
    ------
    NotFound
        No such admin area.
    """
    a = _area(session, area_id)
    window = DateWindow.ending(params.as_of, params.window_days)
    figures = next(
        f["properties"] for f in admin_area_figures(session, window, level=a.level)["features"] if f["id"] == area_id
    )
    series = monthly_series(session, area_id, params.as_of)
    agreements = agreement_strain(session, _agreement_ids(session, area_id), params.as_of, tr)
    dates = _data_dates(session)
    result = with_not_heard(session, cached_gaps(session, params, admin_area=area_id))
    rows = worklist(result, WorklistFilter())
    return {
        "area": {
            "id": a.id,
            "name": a.name,
            "level": a.level,
            "pcode": a.pcode,
            "country": a.country,
            "bbox": [a[5], a[6], a[7], a[8]],
            "geometry": json.loads(a[9]),
        },
        "as_of": params.as_of.isoformat(),
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat(), "days": window.days},
        "figures": figures,
        "series": series,
        "under_engaged": {"count": len(rows), "top": as_records(result, rows.iloc[:TOP], tr)},
        "hearing": hearing(session, area_id, a.level, params.as_of, tr),
        "agreements": agreements,
        "perceptions": perception_series(session, area_id, a.level, params.as_of, tr),
        "data_dates": dates,
        "parameters": params.to_dict(),
        "computed_at": result.computed_at.isoformat(),
    }
