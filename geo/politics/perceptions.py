"""What people think (docs/politics.md#perceptions): per admin area, an
indicator's trend over survey waves with the 95 % Wilson interval of each
wave's share, and a reason (a code of :data:`geo.reasons.REASONS`,
written in the request's language by :func:`perception_trends`) where it
fell beyond chance.

A wave's share in an area pools every result located inside it, weighted by
sample size (``Σ value·n / Σ n``, on ``Σ n`` answers). A fall between two
consecutive waves counts when the whole 95 % interval of the change
(Newcombe's method, :func:`geo.politics.stats.newcombe`) is below zero."""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo import vocab
from geo.analysis.areas import SIMPLIFY_DEG, default_level
from geo.errors import InvalidInput
from geo.i18n import ENGLISH, Translator
from geo.models import AdminArea, Perception
from geo.politics.params import PerceptionParams
from geo.politics.stats import newcombe, wilson
from geo.reasons import Reason, with_text


def trend(rows: pd.DataFrame, indicator: str) -> dict:
    """The waves of one area, oldest first, with intervals, the last change and its reason.

    Parameters
    ----------
    rows : pandas.DataFrame
        ``survey``, ``wave``, ``fielded_on``, ``value``, ``sample_size`` of the area's results.
    indicator : str

    Returns
    -------
    dict
        ``waves`` (``survey``, ``wave``, ``fielded_on`` the first day,
        ``value``, ``sample_size``, ``low``, ``high``), ``latest``,
        ``change`` (``from_wave``, ``to_wave``, ``difference``, ``low``,
        ``high``, ``fell``), ``flags``, ``explanation`` (their reasons, codes
        with parameters).
    """
    waves = []
    if len(rows):
        rows = rows.assign(weighted=rows["value"] * rows["sample_size"])
        grouped = rows.groupby(["survey", "wave"], sort=False).agg(
            fielded_on=("fielded_on", "min"), weighted=("weighted", "sum"), n=("sample_size", "sum")
        )
        for g in grouped.sort_values("fielded_on").reset_index().to_dict("records"):
            p = float(g["weighted"] / g["n"])
            low, high = wilson(p, float(g["n"]))
            waves.append(
                {
                    "survey": g["survey"],
                    "wave": g["wave"],
                    "fielded_on": g["fielded_on"].isoformat(),
                    "value": round(p, 4),
                    "sample_size": int(g["n"]),
                    "low": round(low, 4),
                    "high": round(high, 4),
                }
            )
    change = None
    flags: list[str] = []
    reasons: list[Reason] = []
    if len(waves) >= 2:
        w1, w2 = waves[-2], waves[-1]
        lo, hi = newcombe(w1["value"], w1["sample_size"], w2["value"], w2["sample_size"])
        fell = hi < 0
        change = {
            "from_wave": w1["wave"],
            "to_wave": w2["wave"],
            "difference": round(w2["value"] - w1["value"], 4),
            "low": round(lo, 4),
            "high": round(hi, 4),
            "fell": fell,
        }
        if fell:
            flags.append(f"{indicator}_fell")
            reasons.append(
                {
                    "code": "perception_fell",
                    "params": {
                        "indicator": indicator,
                        "from_share": w1["value"],
                        "to_share": w2["value"],
                        "wave": w1["wave"],
                        "n_from": w1["sample_size"],
                        "n_to": w2["sample_size"],
                        "change_low": lo,
                        "change_high": hi,
                    },
                }
            )
    return {
        "waves": waves,
        "latest": waves[-1] if waves else None,
        "change": change,
        "flags": flags,
        "explanation": reasons,
    }


def perception_trends(
    session: Session, params: PerceptionParams, *, indicator: str, level: int | None = None, tr: Translator = ENGLISH
) -> dict:
    """Every admin area of one level with the trend of ``indicator`` (results fielded up to ``as_of``).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    params : PerceptionParams
    indicator : str
        One of :data:`geo.vocab.PERCEPTION_INDICATORS`.
    level : int, optional
        Admin level (default: the one most communities link to).
    tr : Translator
        The language of the reasons (``reasons``, and ``explanation``'s ``text``).

    Returns
    -------
    dict
        A GeoJSON FeatureCollection; per area ``name``, ``level``, ``value``,
        ``low``, ``high``, ``sample_size``, ``wave`` (of the latest wave:
        what the map colours), and the :func:`trend` fields. Areas where a
        fall was found come first.
    """
    if indicator not in vocab.PERCEPTION_INDICATORS:
        raise InvalidInput(f"indicator must be one of {', '.join(vocab.PERCEPTION_INDICATORS)}", field="indicator")
    level = default_level(session) if level is None else level
    areas = session.execute(
        select(
            AdminArea.id,
            AdminArea.name,
            func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(AdminArea.geom, SIMPLIFY_DEG), 5),
        )
        .where(AdminArea.level == level)
        .order_by(AdminArea.id)
    ).all()
    results = pd.DataFrame(
        session.execute(
            select(
                AdminArea.id,
                Perception.survey,
                Perception.wave,
                Perception.fielded_on,
                Perception.value,
                Perception.sample_size,
            )
            .join(AdminArea, (AdminArea.level == level) & func.ST_Intersects(AdminArea.geom, Perception.geom))
            .where(Perception.indicator == indicator, Perception.fielded_on <= params.as_of)
        ).all(),
        columns=["area_id", "survey", "wave", "fielded_on", "value", "sample_size"],
    )
    features = []
    for area_id, name, geometry in areas:
        t = with_text(trend(results[results["area_id"] == area_id], indicator), tr)
        latest = t["latest"] or {}
        features.append(
            {
                "type": "Feature",
                "id": area_id,
                "geometry": json.loads(geometry),
                "properties": {
                    "name": name,
                    "level": level,
                    "indicator": indicator,
                    **{k: latest.get(k) for k in ("value", "low", "high", "sample_size", "wave")},
                    **t,
                },
            }
        )
    features.sort(key=lambda f: (not f["properties"]["flags"], f["id"]))
    return {
        "type": "FeatureCollection",
        "indicator": indicator,
        "as_of": params.as_of.isoformat(),
        "numberMatched": len(features),
        "features": features,
    }
