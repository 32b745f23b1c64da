"""The brief's SVG charts: what is drawn is where the numbers say (checked
by reading the SVG back with the standard library's XML parser)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from geo.i18n import translator
from layers.charts import BOTTOM, HEIGHT, TOP, bar_chart, interval_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_bars_are_as_tall_as_their_values():
    svg = ET.fromstring(bar_chart("Incidents", ["2024-01", "2024-02", "2024-03"], [2, 0, 4]))
    bars = svg.findall(f"{SVG}rect")
    plot_h = HEIGHT - TOP - BOTTOM
    assert [float(b.get("height")) for b in bars] == pytest.approx([plot_h / 2, 0, plot_h])
    assert [b.get("data-value") for b in bars] == ["2", "0", "4"]
    assert svg.find(f"{SVG}title").text == "Incidents"


def test_intervals_are_drawn_where_their_shares_are():
    fr = translator("fr")
    svg = ET.fromstring(interval_chart("Confiance", ["W1", "W2"], [0.5, 0.25], [0.4, 0.2], [0.6, 0.3], fr))
    waves = svg.findall(f"{SVG}g")
    assert [w.get("data-value") for w in waves] == ["0.5", "0.25"]
    plot_h = HEIGHT - TOP - BOTTOM
    for wave, (v, lo, hi) in zip(waves, [(0.5, 0.4, 0.6), (0.25, 0.2, 0.3)], strict=True):
        dot = wave.find(f"{SVG}circle")
        assert float(dot.get("cy")) == pytest.approx(TOP + plot_h * (1 - v), abs=0.06)
        whisker = wave.find(f"{SVG}line")
        ends = sorted((float(whisker.get("y1")), float(whisker.get("y2"))))
        assert ends == pytest.approx([TOP + plot_h * (1 - hi), TOP + plot_h * (1 - lo)], abs=0.06)
    assert waves[1].find(f"{SVG}title").text == "W2: 25 % (20 %–30 %)"
    assert len(svg.findall(f"{SVG}polyline")) == 1
