"""Short sentences a planner can paste into a brief, one list per community
(docs/analysis.md#reasons), built column-wise (numpy's string functions):
the whole ranking at once stays cheap, and the cache rebuilds only the rows
it recomputes."""

from __future__ import annotations

import numpy as np

from geo.analysis.params import GapParams


def distance_label(m: float) -> str:
    """A distance as a planner writes it, readable at any magnitude
    (docs/analysis.md#reasons): whole metres below 1 km (``"850 m"``), three
    significant digits up to 100 km (``"1.23 km"``, ``"12.5 km"``, ``"20 km"``),
    whole kilometres with a space between thousands above (``"1 230 km"``).

    Parameters
    ----------
    m : float
        Metres (≥ 0).

    Returns
    -------
    str
    """
    metres = round(m)
    if metres < 1000:
        return f"{metres} m"
    km = m / 1000
    if float(f"{km:.3g}") < 100:
        return f"{km:.3g} km"
    return f"{round(km):,} km".replace(",", " ")


def _patrols_within(p: GapParams, patrol_radii: tuple[float, float] | None) -> str:
    """The patrol radius that applied: one radius (the default, or every
    patrol's own ``coverage_m``), else the range of the patrols' radii."""
    lo, hi = patrol_radii or (p.patrol_radius_m, p.patrol_radius_m)
    if lo == hi:
        return f"no patrol within {distance_label(lo)}"
    return f"no patrol within its coverage radius ({distance_label(lo)} to {distance_label(hi)})"


S = np.dtypes.StringDType()
KIND_LABELS = np.array(["patrol", "engagement", "QIP"], dtype=S)  # by index into last_engagement.KINDS


def _count(n: np.ndarray, word: str) -> np.ndarray:
    """ "1 day", "2 days": counts and a word, column-wise."""
    n = np.asarray(n, np.int64)
    return np.strings.add(np.strings.add(n.astype(S), " " + word), np.where(n == 1, "", "s").astype(S))


def _join(*parts) -> np.ndarray:
    out = np.asarray(parts[0]).astype(S)
    for part in parts[1:]:
        out = np.strings.add(out, np.asarray(part).astype(S) if not isinstance(part, str) else part)
    return out


def never_engaged(p: GapParams, patrol_radii: tuple[float, float] | None) -> str:
    """The engagement sentence of a community never engaged: the radii that applied.

    Parameters
    ----------
    p : GapParams
    patrol_radii : tuple of 2 float, optional
        See :func:`reasons_of`.

    Returns
    -------
    str
    """
    return (
        f"{_patrols_within(p, patrol_radii)}, engagement within "
        f"{distance_label(p.engagement_radius_m)} or QIP within {distance_label(p.qip_radius_m)} on record"
    )


def engagement_sentences(
    days: np.ndarray, kind: np.ndarray, row_id: np.ndarray, day: np.ndarray, never: str
) -> list[str]:
    """``"N days since the last engagement (KIND ID on YYYY-MM-DD)"`` per row, ``never`` where ``days`` < 0.

    Parameters
    ----------
    days : numpy.ndarray of int
        Days since the last engagement, -1 for never.
    kind : numpy.ndarray of int
        Index into ``KINDS``.
    row_id : numpy.ndarray of int
    day : numpy.ndarray of int
        The engagement's UTC day number.
    never : str
        :func:`never_engaged`.

    Returns
    -------
    list of str
    """
    out = [never] * len(days)
    e = np.flatnonzero(np.asarray(days) >= 0)
    if len(e):
        when = np.asarray(day)[e].astype("datetime64[D]").astype(S)
        said = _join(
            _count(days[e], "day"),
            " since the last engagement (",
            KIND_LABELS[kind[e]],
            " ",
            row_id[e],
            " on ",
            when,
            ")",
        )
        for i, sentence in zip(e.tolist(), said.tolist(), strict=True):
            out[i] = sentence
    return out


def violence_sentences(incidents: np.ndarray, deaths: np.ndarray, p: GapParams) -> list[str]:
    """``"N incidents, M deaths within R in W days"`` or ``"no incidents within R in W days"`` per row.

    Parameters
    ----------
    incidents, deaths : numpy.ndarray of int
    p : GapParams

    Returns
    -------
    list of str
    """
    where = f" within {distance_label(p.incident_radius_m)} in {p.window_days} days"
    out = ["no incidents" + where] * len(incidents)
    some = np.flatnonzero(np.asarray(incidents) > 0)
    if len(some):
        said = _join(_count(incidents[some], "incident"), ", ", _count(deaths[some], "death"), where)
        for i, sentence in zip(some.tolist(), said.tolist(), strict=True):
            out[i] = sentence
    return out


def remoteness_sentences(distance_m: np.ndarray) -> list[str]:
    """``"48.2 km from the nearest mission site"``, or ``"no active mission site on record"`` (NaN), per row.

    Parameters
    ----------
    distance_m : numpy.ndarray of float

    Returns
    -------
    list of str
    """
    return [
        "no active mission site on record" if np.isnan(x) else f"{distance_label(x)} from the nearest mission site"
        for x in np.asarray(distance_m, float).tolist()
    ]


def reasons_of(engagement: list[str], violence: list[str], remoteness: list[str]) -> list[list[str]]:
    """The three sentences of each row, as one list per row (engagement, violence, remoteness).

    Parameters
    ----------
    engagement, violence, remoteness : list of str

    Returns
    -------
    list of list of str
    """
    return [[e, v, r] for e, v, r in zip(engagement, violence, remoteness, strict=True)]
