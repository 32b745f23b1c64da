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
