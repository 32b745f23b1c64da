"""Plain descriptions of a layer: where its features come from, how they are
coloured and sized, and what the popup shows.

One spec drives both the browser drawing (serialised to JSON for
``frontend/static/js/peacemap.js``) and the legend, so the two never disagree.
Builders get the URLs of their sources from the router (``Urls``: route name
→ URL made with ``request.url_for``); no layer knows an API path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from geo.errors import InvalidInput
from geo.i18n import ENGLISH, Translator
from geo.window import DateWindow
from layers.messages import VOCABULARY

__all__ = [
    "Categorical",
    "ColourRule",
    "DateWindow",
    "Field",
    "Fixed",
    "Graduated",
    "LayerSpec",
    "Radius",
    "Urls",
    "window_params",
]

Urls = Mapping[str, str]  # route name (e.g. "incidents-list") → URL, made by the router
# Texts (layer names, legend and popup labels, notes) are English msgids
# (geo.i18n), translated when the spec is rendered: ``options(tr)``, ``legend(tr)``.


def window_params(window: DateWindow) -> dict[str, str]:
    """The ``start``/``end`` query parameters of a window (both days included, as everywhere)."""
    return {"start": window.start.isoformat(), "end": window.end.isoformat()}


@dataclass(frozen=True)
class Fixed:
    colour: str
    label: str

    def options(self) -> dict:
        return {"type": "fixed", "colour": self.colour}

    def legend(self, tr: Translator = ENGLISH) -> list[tuple[str, str]]:
        return [(self.colour, tr.gettext(self.label))]


@dataclass(frozen=True)
class Categorical:
    """Colour by a property's value; unknown values get ``other``; ``labels``
    name the values in the legend (msgids; default: the vocabulary's labels)."""

    prop: str
    colours: dict[str, str]
    other: str = "#888888"
    labels: Mapping[str, str] | None = None

    def options(self) -> dict:
        return {"type": "categorical", "prop": self.prop, "colours": self.colours, "other": self.other}

    def legend(self, tr: Translator = ENGLISH) -> list[tuple[str, str]]:
        labels = self.labels or VOCABULARY
        return [(c, tr.gettext(labels.get(v, v.replace("_", " ")))) for v, c in self.colours.items()]


@dataclass(frozen=True)
class Graduated:
    """Colour by a number: ``breaks`` are (upper bound or None, colour, label),
    in increasing order; ``missing`` colours null values."""

    prop: str
    breaks: tuple[tuple[float | None, str, str], ...]
    missing: str = "#bbbbbb"
    missing_label: str | None = None

    def __post_init__(self) -> None:
        uppers = [b[0] for b in self.breaks if b[0] is not None]
        if uppers != sorted(uppers):
            raise InvalidInput("graduated breaks must increase", field="breaks")

    def options(self) -> dict:
        return {
            "type": "graduated",
            "prop": self.prop,
            "breaks": [list(b[:2]) for b in self.breaks],
            "missing": self.missing,
        }

    def legend(self, tr: Translator = ENGLISH) -> list[tuple[str, str]]:
        items = [(c, tr.gettext(label)) for _, c, label in self.breaks]
        if self.missing_label:
            items.append((self.missing, tr.gettext(self.missing_label)))
        return items


ColourRule = Fixed | Categorical | Graduated


@dataclass(frozen=True)
class Radius:
    """Circle radius in pixels: ``base + per · sqrt(value)``, at most ``max``."""

    prop: str | None = None
    base: float = 5.0
    per: float = 0.0
    max: float = 20.0

    def options(self) -> dict:
        return {"prop": self.prop, "base": self.base, "per": self.per, "max": self.max}


@dataclass(frozen=True)
class Field:
    """A popup row: property name, label, and format (text/number/date/list)."""

    prop: str
    label: str
    fmt: Literal["text", "number", "date", "list"] = "text"


@dataclass
class LayerSpec:
    key: str
    name: str
    colour: ColourRule
    popup: list[Field]
    title: str | None = None
    url: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    data: dict | None = None
    viewport: bool = True
    limit: int | None = None
    kind: Literal["point", "line", "area", "image"] = "point"  # image: a PNG from ``url``, bounds in X-Image-Bounds
    radius: Radius = field(default_factory=Radius)
    cluster: bool = False
    heat: bool = False
    glyph: tuple[str, dict[str, str]] | None = None
    buffer_prop: str | None = None
    buffer_default_m: float = 0.0
    fade_prop: str | None = None
    fade_days: int = 90
    fade_end: str | None = None
    note: str = ""
    show: bool = True
    top_first: bool = False  # features come best-first (ranked): draw the first on top
    fill_opacity: float = 0.45
    grid_url: str | None = None  # counts per cell (the heat map's weights)
    tilejson: str | None = None  # vector tiles, drawn instead of a page when the view holds more than ``limit``
    context: bool = False  # the geography beneath the data (geo.basemap): drawn by kind, with labels
    zoom_param: bool = False  # send the map's zoom with the view (``zoom``)
    # Popup links: (label msgid, URL template with ``{id}``, the property holding the id when the feature has none).
    links: list[tuple[str, str, str]] = field(default_factory=list)
    # Values of ``{name}`` placeholders in the name and note: a value, or a function of the translator.
    text_params: dict[str, Any] = field(default_factory=dict)
    # A popup that shows more once open: {"url", "member", "kind"} — the browser fetches the list at ``url``
    # once, finds the feature's entry (same id) in its ``member`` and renders it as ``kind`` (peacemap.js).
    detail: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if (self.url is None) == (self.data is None):
            raise InvalidInput(f"layer {self.key!r} needs exactly one of url or data", field="url")
        if self.data is not None and self.data.get("type") != "FeatureCollection":
            raise InvalidInput(f"layer {self.key!r}: data must be a GeoJSON FeatureCollection", field="data")

    def text(self, message: str, tr: Translator = ENGLISH) -> str:
        """``message`` (the name or note) in ``tr``'s language, placeholders filled."""
        values = {k: (v(tr) if callable(v) else v) for k, v in self.text_params.items()}
        return tr.gettext(message).format(**values)

    def options(self, tr: Translator = ENGLISH) -> dict:
        """What the browser needs to fetch and draw this layer (JSON-ready), texts in ``tr``'s language."""
        return {
            "key": self.key,
            "name": self.text(self.name, tr),
            "url": self.url,
            "params": self.params,
            "data": self.data,
            "viewport": self.viewport,
            "limit": self.limit,
            "kind": self.kind,
            "colour": self.colour.options(),
            "radius": self.radius.options(),
            "cluster": self.cluster,
            "heat": self.heat,
            "popup": [[f.prop, tr.gettext(f.label), f.fmt] for f in self.popup],
            "title": self.title,
            "glyph": list(self.glyph) if self.glyph else None,
            "bufferProp": self.buffer_prop,
            "bufferDefault": self.buffer_default_m,
            "fadeProp": self.fade_prop,
            "fadeDays": self.fade_days,
            "fadeEnd": self.fade_end,
            "topFirst": self.top_first,
            "fillOpacity": self.fill_opacity,
            "gridUrl": self.grid_url,
            "context": self.context,
            "zoomParam": self.zoom_param,
            "links": [[tr.gettext(label), url, prop] for label, url, prop in self.links],
            "tilejson": self.tilejson,
            "detail": self.detail,
        }

    def legend(self, tr: Translator = ENGLISH) -> list[tuple[str, str]]:
        """(colour, label) pairs, labels in ``tr``'s language with ``text_params`` filled."""
        return [(c, self.text(label, tr)) for c, label in self.colour.legend()]
