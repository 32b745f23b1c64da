"""Map controls that are not layers: the legend and the date-window form."""

from __future__ import annotations

import json
from html import escape

from babel import Locale
from branca.element import MacroElement
from jinja2 import Template

from geo.i18n import ENGLISH, N_, Translator, available
from layers.messages import browser_messages
from layers.spec import DateWindow, LayerSpec

LEGEND = N_("Legend")
_SHAPES = {"point": "pm-swatch-point", "line": "pm-swatch-line", "area": "pm-swatch-area", "image": "pm-swatch-area"}


def legend_html(specs: list[LayerSpec], tr: Translator = ENGLISH) -> str:
    """One section per layer (its swatches, an optional note, and a live
    "n of N shown" line filled in by the browser), in ``tr``'s language."""
    parts = [f'<div class="pm-legend-title">{escape(tr.gettext(LEGEND))}</div>']
    for spec in specs:
        swatches = "".join(
            f'<li><i class="{"pm-swatch-glyph" if spec.glyph else _SHAPES[spec.kind]}" '
            f'style="background:{escape(colour)}"></i>{escape(label)}</li>'
            for colour, label in spec.legend(tr)
        )
        note = f'<div class="pm-legend-note">{escape(spec.text(spec.note, tr))}</div>' if spec.note else ""
        parts.append(
            f'<section class="pm-legend-section" data-layer="{escape(spec.key)}">'
            f"<h4>{escape(spec.text(spec.name, tr))}</h4><ul>{swatches}</ul>{note}"
            f'<div class="pm-legend-count" data-count="{escape(spec.key)}"></div></section>'
        )
    return "".join(parts)


class Legend(MacroElement):
    _template = Template(
        """{% macro script(this, kwargs) %}
        peacemap.legend({{ this._parent.get_name() }}, {{ this.html_json }});
        {% endmacro %}"""
    )

    def __init__(self, specs: list[LayerSpec], tr: Translator = ENGLISH):
        super().__init__()
        self._name = "Legend"
        self.html_json = json.dumps(legend_html(specs, tr)).replace("</", "<\\/")


class WindowControl(MacroElement):
    """A small form that reloads the map ``page`` with another date window,
    keeping the current view and the layers that are on."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        peacemap.windowControl({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}"""
    )

    def __init__(self, window: DateWindow, page: str):
        super().__init__()
        self._name = "WindowControl"
        self.options_json = json.dumps({"start": window.start.isoformat(), "end": window.end.isoformat(), "page": page})


class FitView(MacroElement):
    """Fit the view without animation, so layers loading at once see the final bbox."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds_json }}, {animate: false});
        {% endmacro %}"""
    )

    def __init__(self, minx: float, miny: float, maxx: float, maxy: float):
        super().__init__()
        self._name = "FitView"
        self.bounds_json = json.dumps([[miny, minx], [maxy, maxx]])


class I18n(MacroElement):
    """The page's language for peacemap.js: texts, vocabulary labels, number format."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        peacemap.setMessages({{ this.messages_json }});
        {% endmacro %}"""
    )

    def __init__(self, tr: Translator):
        super().__init__()
        self._name = "I18n"
        self.messages_json = json.dumps(browser_messages(tr)).replace("</", "<\\/")


def language_choices() -> list[tuple[str, str]]:
    """(code, the language's own name) of every served language."""
    return [(code, Locale.parse(code).get_display_name(code) or code) for code in available()]


class LanguageControl(MacroElement):
    """A menu of the served languages; the choice is remembered (a cookie) and the page reloads."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        peacemap.languageControl({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}"""
    )

    def __init__(self, tr: Translator):
        super().__init__()
        self._name = "LanguageControl"
        self.options_json = json.dumps({"current": tr.lang, "choices": language_choices()})
