"""The area brief as one printable HTML page (A4, one or two sheets): the
inset, the monthly charts, the figures, the list and the parameters, from
the JSON of :func:`geo.analysis.brief.area_brief`. Self-contained — inline
CSS and SVG, no script, no external file — so the page, a saved copy and the
PDF of ``peacemap brief`` are the same document."""

from __future__ import annotations

from jinja2 import Environment, FileSystemLoader, select_autoescape

from frontend import TEMPLATES_DIR
from geo.i18n import ENGLISH, N_, Translator
from layers.charts import bar_chart
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
    return _env.get_template("brief.html").render(
        brief=brief,
        area=brief["area"],
        figures=brief["figures"],
        charts=charts,
        inset=inset_svg(brief["area"]["geometry"], inset_bbox(brief["area"]["bbox"]), context, pins),
        has_travel=any("travel_hours" in r for r in top),
        lang=tr.lang,
        dir=tr.dir,
        _=tr.gettext,
        num=lambda v, digits=0: "—" if v is None else tr.number(v, digits),
        vocab=lambda code: labels.get(code, tr.gettext(str(code).replace("_", " "))),
    )
