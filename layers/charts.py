"""Small charts for the area brief, drawn as SVG on the server: no script,
no CDN, sharp at any print resolution, and legible in black-and-white (dark
bars on white, values written out). Each bar carries its month and value
(``data-month``, ``data-value``) so what is drawn can be checked."""

from __future__ import annotations

from html import escape

from geo.i18n import ENGLISH, Translator

WIDTH, HEIGHT = 330, 118
LEFT, RIGHT, TOP, BOTTOM = 30, 6, 16, 22


def bar_chart(title: str, months: list[str], values: list[int], tr: Translator = ENGLISH) -> str:
    """A monthly bar chart with its title, its highest value and month labels.

    Parameters
    ----------
    title : str
        Already in the page's language.
    months : list of str
        ``YYYY-MM``, oldest first.
    values : list of int
        One per month.
    tr : Translator
        Number format.

    Returns
    -------
    str
        An ``<svg>`` element (``role="img"``, titled).
    """
    top = max([*values, 1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values), 1)
    bars, ticks = [], []
    for i, (month, v) in enumerate(zip(months, values, strict=True)):
        h = plot_h * v / top
        x = LEFT + i * step
        bars.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{TOP + plot_h - h:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{h:.1f}" data-month="{month}" data-value="{v}"><title>{month}: {tr.number(v)}</title></rect>'
        )
        if month.endswith(("-01", "-07")) or i == 0:
            label = month[:4] if month.endswith("-01") else month[5:] if i else month
            ticks.append(f'<text x="{x + step / 2:.1f}" y="{HEIGHT - 8}" class="tick">{escape(label)}</text>')
    total = tr.number(sum(values))
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
        f'<text x="0" y="11" class="chart-title">{escape(title)} <tspan class="total">(Σ {total})</tspan></text>'
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" class="axis"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" class="axis"/>'
        f'<text x="{LEFT - 3}" y="{TOP + 4}" class="ymax">{tr.number(top)}</text>'
        f'<text x="{LEFT - 3}" y="{TOP + plot_h}" class="ymax">0</text>' + "".join(bars) + "".join(ticks) + "</svg>"
    )


def interval_chart(
    title: str, labels: list[str], values: list[float], lows: list[float], highs: list[float], tr: Translator = ENGLISH
) -> str:
    """Shares over successive waves (0–100 %), each a dot with its interval
    as a whisker, joined by a line: a perception trend with its uncertainty.

    Parameters
    ----------
    title : str
        Already in the page's language.
    labels : list of str
        One per wave (its name or date), oldest first.
    values, lows, highs : list of float
        The share and its interval's ends, 0 … 1.
    tr : Translator
        Number format.

    Returns
    -------
    str
        An ``<svg>`` element; each wave a ``<g class="wave">`` with
        ``data-value``, ``data-low``, ``data-high``.
    """
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values), 1)

    def y(share: float) -> float:
        return TOP + plot_h * (1 - share)

    def pct(share: float) -> str:
        return f"{tr.number(100 * share)} %"

    waves, points = [], []
    for i, (label, v, lo, hi) in enumerate(zip(labels, values, lows, highs, strict=True)):
        x = LEFT + (i + 0.5) * step
        points.append(f"{x:.1f},{y(v):.1f}")
        waves.append(
            f'<g class="wave" data-value="{v}" data-low="{lo}" data-high="{hi}">'
            f"<title>{escape(label)}: {pct(v)} ({pct(lo)}–{pct(hi)})</title>"
            f'<line class="whisker" x1="{x:.1f}" y1="{y(lo):.1f}" x2="{x:.1f}" y2="{y(hi):.1f}"/>'
            f'<line class="whisker" x1="{x - 3:.1f}" y1="{y(lo):.1f}" x2="{x + 3:.1f}" y2="{y(lo):.1f}"/>'
            f'<line class="whisker" x1="{x - 3:.1f}" y1="{y(hi):.1f}" x2="{x + 3:.1f}" y2="{y(hi):.1f}"/>'
            f'<circle class="dot" cx="{x:.1f}" cy="{y(v):.1f}" r="2.6"/>'
            f'<text x="{x:.1f}" y="{HEIGHT - 8}" class="tick">{escape(label)}</text></g>'
        )
    line = f'<polyline class="trend" points="{" ".join(points)}"/>' if len(points) > 1 else ""
    return (
        f'<svg class="chart interval" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
        f'<text x="0" y="11" class="chart-title">{escape(title)}</text>'
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" class="axis"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" class="axis"/>'
        f'<text x="{LEFT - 3}" y="{TOP + 4}" class="ymax">100 %</text>'
        f'<text x="{LEFT - 3}" y="{TOP + plot_h}" class="ymax">0</text>' + line + "".join(waves) + "</svg>"
    )
