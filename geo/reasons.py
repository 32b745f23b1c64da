"""Reasons — why a result says what it says — as codes with machine
parameters, and their sentences in every working language: the one owner
of every reason's template (docs/analysis.md#reasons, docs/politics.md#reasons).

A reason is ``{"code", "params"}``: ``code`` names a :class:`Template` of
:data:`REASONS`, ``params`` hold machine values (metres, counts, shares,
ISO dates, vocabulary codes). :func:`text` renders one in a language
(:mod:`geo.i18n`); :func:`translated` gives the ``{"code", "params",
"text"}`` an answer carries beside its sentences. The engagement-gap
ranking (:mod:`geo.analysis.reasons` writes its reasons column-wise from
these templates), the QIP plotter (:mod:`geo.reach.qip_siting`) and the
local-politics analyses (:mod:`geo.politics`) all emit codes of this one
registry, so every reason is translated the same way.

Kept at the bottom of ``geo`` (it reads only :mod:`geo.i18n` and
:mod:`geo.vocab`): the analyses above it import it, never the other way.

Adding a reason is one :class:`Template` in :data:`REASONS` (its msgid
marked with ``N_``, or ``Nn_`` for a singular and plural pair, so ``make
messages`` extracts it) and the code that emits its params; parameter
names say how a value is shown (:func:`shown`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel.lists import format_list

from geo import vocab
from geo.i18n import ENGLISH, N_, Nn_, Translator

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
        # The engagement-gap ranking (geo/analysis/reasons.py, docs/analysis.md#reasons).
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
        # Whether local agreements hold (geo/politics/agreements.py, docs/politics.md#agreements).
        Template("agreement_no_area", N_("no area: incidents cannot be counted inside it")),
        Template("agreement_not_signed", N_("no signing day")),
        Template("agreement_signed_after", N_("signed after as_of")),  # params signed_on, as_of: for machines
        Template(
            "incidents_rose",
            N_(
                "incidents inside the area rose from {per_month_before} to {per_month_after} a month "
                "after signing (rate ratio ≥ {ratio_low} at 95 %)"
            ),
        ),
        Template(
            "party_incidents",
            *Nn_(
                "{violations} incident after signing involved a party",
                "{violations} incidents after signing involved a party",
            ),
            count="violations",
        ),
        # Who was heard (geo/politics/constituencies.py, docs/politics.md#who-was-heard).
        Template(
            "concentrated",
            *Nn_(
                "{share} of {recorded} were with the same {top} interlocutor ({roles}) in {period_days}",
                "{share} of {recorded} were with the same {top} interlocutors ({roles}) in {period_days}",
            ),
            count="top",
        ),
        Template("not_heard", N_("no {constituencies} engagement in {period_days} ({held})")),
        # What people think (geo/politics/perceptions.py, docs/politics.md#perceptions).
        Template(
            "perception_fell",
            N_(
                "{indicator} fell from {from_share} to {to_share} since the {wave} wave "
                "(n = {n_from}, {n_to}; change {change_low} to {change_high} points at 95 %)"
            ),
        ),
    )
}
# Counted nouns inside a sentence: parameter → (singular, plural) msgids.
COUNTED = {
    "incidents": Nn_("{n} incident", "{n} incidents"),
    "deaths": Nn_("{n} death", "{n} deaths"),
    "recorded": Nn_("{n} engagement with interlocutors", "{n} engagements with interlocutors"),
    "held": Nn_("{n} engagement", "{n} engagements"),
    "period_days": Nn_("{n} day", "{n} days"),
}
# Vocabulary codes a sentence quotes: parameter → {code: msgid}.
LABELS = {
    "kind": {"patrol": N_("patrol"), "engagement": N_("engagement"), "qip": N_("QIP")},
    "season": {"dry": N_("dry"), "rainy": N_("rainy")},
    # the catalogue holds these msgids already (layers/messages.py's vocabulary labels)
    "status": {code: code.replace("_", " ") for code in vocab.QIP_STATUSES},
    "role": {code: vocab.ROLE_LABELS.get(code, code.replace("_", " ")) for code in vocab.INTERLOCUTOR_ROLES},
    "constituency": {code: code.replace("_", " ") for code in vocab.CONSTITUENCIES},
    # how a sentence names an indicator (its subject)
    "indicator": {
        "trust_in_mission": N_("trust in the mission"),
        "feeling_of_safety": N_("the feeling of safety"),
        "knowledge_of_mandate": N_("knowledge of the mandate"),
        "satisfaction_with_protection": N_("satisfaction with protection"),
        "trust_in_local_authorities": N_("trust in local authorities"),
        "other": N_("other"),
    },
}
# Lists of vocabulary codes: parameter → (the vocabulary of LABELS, whether the list reads as
# alternatives: the language's "a or b", babel.lists.format_list; else joined with commas).
LISTS = {"roles": ("role", False), "constituencies": ("constituency", True)}
NUMBERS = ("of", "people")  # counts written with the language's digit grouping
DECIMALS = {"per_month_before": ".1f", "per_month_after": ".1f", "ratio_low": ".2f"}  # fixed decimals
POINTS = ("change_low", "change_high")  # a change of a share, in signed percentage points
ABOUT_MIN = N_("about {n} min")
ABOUT_H = N_("about {n} h")


def _decimal_mark(text: str, tr: Translator) -> str:
    """``text`` (digits with a ``.``) with ``tr``'s language's decimal mark."""
    return text if tr.lang == ENGLISH.lang else text.replace(".", tr.locale.number_symbols["latn"]["decimal"])


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
        return _decimal_mark(f"{km:.3g}", tr) + " km"
    return f"{round(km):,} km".replace(",", " ")


def hours_label(hours: float, tr: Translator = ENGLISH) -> str:
    """Hours as a planner says them: ``about 35 min`` (5-minute steps below
    1 h), ``about 1.5 h`` (half hours below 10 h), ``about 14 h``; in ``tr``'s
    language (``environ 1,5 h``).

    Parameters
    ----------
    hours : float
    tr : Translator

    Returns
    -------
    str
    """
    if hours < 1:
        return tr.format(ABOUT_MIN, n=max(5, round(hours * 12) * 5))
    if hours < 10:
        return tr.format(ABOUT_H, n=tr.number(round(hours * 2) / 2, 1))
    return tr.format(ABOUT_H, n=round(hours))


def plain(name: str) -> bool:
    """Whether :func:`shown` writes a parameter as it is (``str``).

    Parameters
    ----------
    name : str

    Returns
    -------
    bool
    """
    return not (name.endswith(("_m", "share")) or name in _SHOWN_OTHERWISE)


_SHOWN_OTHERWISE = frozenset(
    ("hours", "score", "title", *NUMBERS, *POINTS, *DECIMALS, *COUNTED, *LABELS, *LISTS)
)  # by name: what :func:`plain` asks on every parameter of every sentence


@lru_cache(maxsize=256)
def _alternatives(labels: tuple[str, ...], lang: str) -> str:
    """``a or b`` in ``lang`` (Babel's list patterns; a few distinct lists, asked for often)."""
    return format_list(list(labels), style="or", locale=lang)


def shown(name: str, value: Any, tr: Translator) -> str:
    """How a parameter reads: ``*_m`` a distance, ``hours`` a travel time,
    ``*share`` a percentage (``"67 %"``), a counted noun, a vocabulary label
    or a list of them, a number with fixed decimals or in points, else as
    written (:func:`plain`).

    Parameters
    ----------
    name : str
    value
        The machine value.
    tr : Translator

    Returns
    -------
    str
    """
    if plain(name):
        return str(value)
    return _shown(name, tuple(value) if isinstance(value, list) else value, type(value).__name__, tr)


@lru_cache(maxsize=8192)
def _shown(name: str, value: Any, type_name: str, tr: Translator) -> str:
    """:func:`shown` of a parameter that is not plain, kept: the same counts,
    days, roles and labels recur in most sentences of an answer (a list
    comes as a tuple, to be a key; ``type_name``, the value's type, keeps
    ``2`` and ``2.0``, equal keys otherwise, apart)."""
    if name.endswith("_m"):
        return distance_label(float(value), tr)
    if name.endswith("share"):
        return f"{100 * float(value):.0f} %"
    if name == "hours":
        return hours_label(float(value), tr)
    if name == "score":
        return tr.number(float(f"{float(value):.3g}"), 3)
    if name == "title":
        return repr(str(value))
    if name in NUMBERS:
        return tr.number(int(value))
    if name in DECIMALS:
        return _decimal_mark(format(float(value), DECIMALS[name]), tr)
    if name in POINTS:
        return format(100 * float(value), "+.0f")
    if name in COUNTED:
        singular, plural = COUNTED[name]
        return tr.ngettext(singular, plural, int(value)).format(n=value)
    if name in LISTS:
        kind, alternatives = LISTS[name]
        labels = [tr.gettext(LABELS[kind].get(v, str(v))) for v in value]
        return _alternatives(tuple(labels), tr.lang) if alternatives else ", ".join(labels)
    return tr.gettext(LABELS[name].get(value, str(value)))  # not plain, nothing else: a label


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
    return message.format(**{k: shown(k, v, tr) for k, v in params.items()})


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


def with_text(item: Mapping[str, Any], tr: Translator = ENGLISH) -> dict[str, Any]:
    """An answer's item whose ``explanation`` holds reasons (codes), with
    ``explanation`` translated (:func:`translated`) and ``reasons`` its
    sentences: how every answer shows reasons, the engagement gaps' and the
    local politics' alike (docs/analysis.md#reasons).

    Parameters
    ----------
    item : mapping
        With ``explanation``: a list of ``{"code", "params"}``.
    tr : Translator

    Returns
    -------
    dict
        A new dict; ``item`` is not changed.
    """
    explanation = translated(item["explanation"], tr)
    return {**item, "reasons": [e["text"] for e in explanation], "explanation": explanation}
