"""Why each community ranks where it does, in sentences a planner can paste
into a brief — and as codes with parameters, so other tools (and other
languages) render their own (docs/analysis.md#reasons).

A reason is ``{"code", "params"}``: ``code`` names a :class:`Template` of
:data:`REASONS`, ``params`` hold machine values (metres, counts, ISO dates,
vocabulary codes). :func:`text` renders one in a language
(:mod:`geo.i18n`); the English rendering is the ``reasons`` strings every
result row carries. Adding a reason is one :class:`Template` in
:data:`REASONS` (its msgid marked with ``N_``, or ``Nn_`` for a singular and
plural pair, so ``make messages`` extracts it) and the code that emits its params; parameter names say how a value is
shown (:func:`_shown`).

Rows are built column-wise (numpy arrays, one list comprehension per
sentence), so the whole ranking stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo import vocab
from geo.analysis.params import GapParams
from geo.i18n import ENGLISH, N_, Nn_, Translator
from geo.reach.remoteness import hours_label, travel_reasons

Reason = dict[str, Any]  # {"code": str, "params": {name: value}}


@dataclass(frozen=True)
class Template:
    """One kind of reason: its code, English msgid(s) with ``{name}``
    placeholders, and for a sentence whose grammar follows a number, the
    plural msgid and the parameter that chooses the form."""

    code: str
    message: str
    plural: str | None = None
    count: str | None = None


REASONS: dict[str, Template] = {
    t.code: t
    for t in (
        Template(
            "last_engagement",
            *Nn_(
                "{days} day since the last engagement ({kind} {id} on {date})",
                "{days} days since the last engagement ({kind} {id} on {date})",
            ),
            count="days",
        ),
        Template(
            "never_engaged",
            N_("no patrol within {patrol_m}, engagement within {engagement_m} or QIP within {qip_m} on record"),
        ),
        Template(
            "never_engaged_radii",
            N_(
                "no patrol within its coverage radius ({patrol_min_m} to {patrol_max_m}), "
                "engagement within {engagement_m} or QIP within {qip_m} on record"
            ),
        ),
        Template("violence", N_("{incidents}, {deaths} within {radius_m} in {days} days")),
        Template("no_violence", N_("no incidents within {radius_m} in {days} days")),
        Template("nearest_site", N_("{distance_m} from the nearest mission site")),
        Template("no_site", N_("no active mission site on record")),
        Template(
            "travel_time",
            N_("{hours} from the nearest mission site in the {season} season ({straight_m} in a straight line)"),
        ),
        # Beside the ranking, not scored (geo/politics/sole_voice.py, docs/politics.md#sole-voice).
        Template(
            "sole_voice",
            N_(
                "only one interlocutor, a {role}, heard in the last {engagements} engagements "
                "with interlocutors, since {since}"
            ),
        ),
        # The QIP plotter's site suggestions (geo/reach/qip_siting.py).
        Template("qip_gap", N_("gap score {score} (rank {rank} of {of})")),
        Template("qip_trip", N_("{hours} from {office} in the {season} season")),
        Template("no_active_qip", N_("no active QIP on record")),
        Template("qip_nearest", N_("no active QIP within {absence_m} (nearest: {title}, {status}, {distance_m})")),
        Template("qip_people", N_("about {people} people (recorded)")),
        Template("qip_people_estimated", N_("about {people} people (estimated from the population raster)")),
        Template(
            "unreachable",
            N_(
                "no mission site can be reached over land in the {season} season "
                "(no road, crossing or passable ground joins it; {straight_m} in a straight line)"
            ),
        ),
    )
}
# Counted nouns inside a sentence: parameter → (singular, plural) msgids.
COUNTED = {
    "incidents": Nn_("{n} incident", "{n} incidents"),
    "deaths": Nn_("{n} death", "{n} deaths"),
}
# Vocabulary codes a sentence quotes: parameter → {code: msgid}.
LABELS = {
    "kind": {"patrol": N_("patrol"), "engagement": N_("engagement"), "qip": N_("QIP")},
    "season": {"dry": N_("dry"), "rainy": N_("rainy")},
    # the catalogue holds these msgids already (layers/messages.py's vocabulary labels)
    "status": {code: code.replace("_", " ") for code in vocab.QIP_STATUSES},
    "role": {code: vocab.ROLE_LABELS.get(code, code.replace("_", " ")) for code in vocab.INTERLOCUTOR_ROLES},
}
NUMBERS = ("of", "people")  # counts written with the language's digit grouping


def distance_label(m: float, tr: Translator = ENGLISH) -> str:
    """A distance as a planner writes it, readable at any magnitude
    (docs/analysis.md#reasons): whole metres below 1 km (``"850 m"``), three
    significant digits up to 100 km (``"1.23 km"``, ``"12.5 km"``, ``"20 km"``),
    whole kilometres with a space between thousands above (``"1 230 km"``).

    Parameters
    ----------
    m : float
        Metres (≥ 0).
    tr : Translator
        The language's decimal mark (``"12,5 km"`` in French).

    Returns
    -------
    str
    """
    metres = round(m)
    if metres < 1000:
        return f"{metres} m"
    km = m / 1000
    if float(f"{km:.3g}") < 100:
        text = f"{km:.3g}"
        return (
            text if tr.lang == ENGLISH.lang else text.replace(".", tr.locale.number_symbols["latn"]["decimal"])
        ) + " km"
    return f"{round(km):,} km".replace(",", " ")


def _shown(name: str, value: Any, tr: Translator) -> str:
    """How a parameter reads: ``*_m`` a distance, ``hours`` a travel time, a
    counted noun, a vocabulary label, else as written."""
    if name.endswith("_m"):
        return distance_label(float(value), tr)
    if name == "hours":
        return hours_label(float(value), tr)
    if name == "score":
        return tr.number(float(f"{float(value):.3g}"), 3)
    if name == "title":
        return repr(str(value))
    if name in NUMBERS:
        return tr.number(int(value))
    if name in COUNTED:
        singular, plural = COUNTED[name]
        return tr.ngettext(singular, plural, int(value)).format(n=value)
    if name in LABELS:
        return tr.gettext(LABELS[name].get(value, str(value)))
    return str(value)


def text(reason: Mapping[str, Any], tr: Translator = ENGLISH) -> str:
    """One reason as a sentence in ``tr``'s language.

    Parameters
    ----------
    reason : mapping
        ``{"code", "params"}`` (a code of :data:`REASONS`).
    tr : Translator

    Returns
    -------
    str
    """
    t = REASONS[reason["code"]]
    params = reason["params"]
    if t.plural is not None and t.count is not None:
        message = tr.ngettext(t.message, t.plural, int(params[t.count]))
    else:
        message = tr.gettext(t.message)
    return message.format(**{k: _shown(k, v, tr) for k, v in params.items()})


def translated(reasons: list[Reason], tr: Translator = ENGLISH) -> list[dict[str, Any]]:
    """Reasons with their ``text`` in ``tr``'s language beside code and params.

    Parameters
    ----------
    reasons : list of dict
    tr : Translator

    Returns
    -------
    list of dict
        ``{"code", "params", "text"}`` each.
    """
    return [{"code": r["code"], "params": dict(r["params"]), "text": text(r, tr)} for r in reasons]


def _engagement(t: pd.DataFrame, p: GapParams, patrol_radii: tuple[float, float] | None) -> list[Reason]:
    lo, hi = patrol_radii or (p.patrol_radius_m, p.patrol_radius_m)
    never: Reason = (
        {
            "code": "never_engaged",
            "params": {"patrol_m": lo, "engagement_m": p.engagement_radius_m, "qip_m": p.qip_radius_m},
        }
        if lo == hi
        else {
            "code": "never_engaged_radii",
            "params": {
                "patrol_min_m": lo,
                "patrol_max_m": hi,
                "engagement_m": p.engagement_radius_m,
                "qip_m": p.qip_radius_m,
            },
        }
    )
    days = t["days_since_engagement"]
    engaged = (~days.isna()).to_numpy(bool)
    when = pd.to_datetime(t["last_engagement_at"], utc=True).dt.strftime("%Y-%m-%d").to_numpy(object)
    kinds = t["last_engagement_kind"].to_numpy(object)
    ids, day_counts = t["last_engagement_id"].to_numpy(object), days.to_numpy(object)
    return [
        {
            "code": "last_engagement",
            "params": {"days": int(day_counts[i]), "kind": kinds[i], "id": int(ids[i]), "date": when[i]},
        }
        if engaged[i]
        else never
        for i in range(len(t))
    ]


def _violence(t: pd.DataFrame, p: GapParams) -> list[Reason]:
    where = {"radius_m": p.incident_radius_m, "days": p.window_days}
    incidents = t["incidents_window"].to_numpy(np.int64)
    deaths = t["fatalities_window"].to_numpy(np.int64)
    return [
        {"code": "violence", "params": {"incidents": int(n), "deaths": int(d), **where}}
        if n > 0
        else {"code": "no_violence", "params": dict(where)}
        for n, d in zip(incidents, deaths, strict=True)
    ]


def _remoteness(t: pd.DataFrame) -> list[Reason]:
    return [
        {"code": "no_site", "params": {}}
        if np.isnan(x)
        else {"code": "nearest_site", "params": {"distance_m": float(x)}}
        for x in t["distance_to_site_m"].to_numpy(float)
    ]


def _travel(t: pd.DataFrame) -> list[Reason]:
    return travel_reasons(
        t["travel_hours"].to_numpy(float),
        t["unreachable"].to_numpy(bool),
        t["travel_season"],
        t["distance_to_site_m"].to_numpy(float),
    )


def explanations(
    table: pd.DataFrame, p: GapParams, patrol_radii: tuple[float, float] | None = None
) -> list[list[Reason]]:
    """Why each community ranks where it does: engagement, violence, remoteness, as codes.

    Parameters
    ----------
    table : pandas.DataFrame
        Result rows with their engagement, violence and site columns.
    p : GapParams
        The radii and window quoted.
    patrol_radii : tuple of 2 float, optional
        The smallest and largest coverage radius of the patrols counted (their
        ``coverage_m``, else ``patrol_radius_m``); None: no patrol counted,
        ``patrol_radius_m`` is quoted.

    Returns
    -------
    list of list of dict
        Three ``{"code", "params"}`` per row, in that order.
    """
    remoteness = _remoteness(table) if p.remoteness == "distance" else _travel(table)
    cols = zip(_engagement(table, p, patrol_radii), _violence(table, p), remoteness, strict=True)
    return [list(r) for r in cols]


def reasons_for(explained: list[list[Reason]], tr: Translator = ENGLISH) -> list[list[str]]:
    """The sentences of :func:`explanations` in one language.

    Parameters
    ----------
    explained : list of list of dict
        Per row, its reasons.
    tr : Translator
        English by default: the ``reasons`` column of a result.

    Returns
    -------
    list of list of str
    """
    return [[text(r, tr) for r in row] for row in explained]
