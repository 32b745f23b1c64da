"""The area brief as one printable HTML page (A4, one or two sheets): the
inset, the monthly charts, the figures, the list and the parameters, from
the JSON of :func:`geo.analysis.brief.area_brief`. Self-contained — inline
CSS and SVG, no script, no external file — so the page, a saved copy and the
PDF of ``peacemap brief`` are the same document."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, select_autoescape

from frontend import TEMPLATES_DIR
from geo import vocab
from geo.i18n import ENGLISH, N_, Translator
from layers.charts import bar_chart, interval_chart
from layers.inset import inset_svg
from layers.messages import vocabulary

_env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape())
CHART_TITLES = {
    "incidents": N_("Incidents per month"),
    "fatalities": N_("Deaths per month"),
    "patrols": N_("Patrols per month"),
    "engagements": N_("Engagements per month"),
    "qips": N_("QIPs started per month"),
}
RECORD_LABELS = {
    "incidents": N_("incidents"),
    "patrols": N_("patrols"),
    "engagements": N_("engagements"),
    "qips": N_("QIPs"),
}
FLAGS = {  # the politics analyses' flags (docs/politics.md), as the brief names them
    "concentrated": N_("engagements concentrated on few interlocutors"),
    "no_women": N_("no women heard"),
    "no_youth": N_("no young people heard"),
    "incidents_rose": N_("incidents rose after signing"),
    "possible_violations": N_("incidents involving a party after signing"),
}
MARGIN = 0.15  # of the area's extent, around it in the inset


def inset_bbox(bbox) -> tuple[float, float, float, float]:
    """The area's extent with a margin: what the inset draws."""
    minx, miny, maxx, maxy = bbox
    dx, dy = max((maxx - minx) * MARGIN, 0.05), max((maxy - miny) * MARGIN, 0.05)
    return (minx - dx, miny - dy, maxx + dx, maxy + dy)


def render_brief(brief: dict, context: dict, tr: Translator = ENGLISH) -> str:
    """The page.

    Parameters
    ----------
    brief : dict
        :func:`geo.analysis.brief.area_brief`.
    context : dict
        The geography of :func:`inset_bbox` (:func:`geo.basemap.context`).
    tr : Translator

    Returns
    -------
    str
        HTML.
    """
    series = brief["series"]
    charts = [bar_chart(tr.gettext(CHART_TITLES[k]), series["months"], series[k], tr) for k in CHART_TITLES]
    top = brief["under_engaged"]["top"]
    pins = [(r["lon"], r["lat"], str(i)) for i, r in enumerate(top, start=1)]
    labels = vocabulary(tr) | {k: tr.gettext(v) for k, v in RECORD_LABELS.items()}
    perception_charts = [
        (
            interval_chart(
                labels.get(p["indicator"], p["indicator"]),
                [str(w["wave"]) for w in p["waves"]],
                [w["value"] for w in p["waves"]],
                [w["low"] for w in p["waves"]],
                [w["high"] for w in p["waves"]],
                tr,
            ),
            p,
        )
        for p in brief["perceptions"]
    ]
    return _env.get_template("brief.html").render(
        brief=brief,
        area=brief["area"],
        figures=brief["figures"],
        charts=charts,
        inset=inset_svg(brief["area"]["geometry"], inset_bbox(brief["area"]["bbox"]), context, pins),
        has_travel=any(r.get("travel_hours") is not None for r in top),
        perception_charts=perception_charts,
        constituencies=vocab.CONSTITUENCIES,
        ever_heard=[c for c in vocab.CONSTITUENCIES if brief["hearing"].get(f"last_{c}")],
        pct=lambda share: f"{tr.number(100 * share)} %",
        points=lambda d: tr.number(100 * d, 0) if d <= 0 else "+" + tr.number(100 * d, 0),
        flag=lambda code: tr.gettext(FLAGS.get(code, code.replace("_", " "))),
        lang=tr.lang,
        dir=tr.dir,
        _=tr.gettext,
        num=lambda v, digits=0: "—" if v is None else tr.number(v, digits),
        vocab=lambda code: labels.get(code, tr.gettext(str(code).replace("_", " "))),
    )
