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
from geo.window import DateWindow

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


def window_params(window: DateWindow) -> dict[str, str]:
    """The ``start``/``end`` query parameters of a window (both days included, as everywhere)."""
    return {"start": window.start.isoformat(), "end": window.end.isoformat()}


@dataclass(frozen=True)
class Fixed:
    colour: str
    label: str

    def options(self) -> dict:
        return {"type": "fixed", "colour": self.colour}

    def legend(self) -> list[tuple[str, str]]:
        return [(self.colour, self.label)]


@dataclass(frozen=True)
class Categorical:
    """Colour by a property's value; unknown values get ``other``. The legend
    names each value (``_`` as a space) unless ``labels`` says otherwise."""

    prop: str
    colours: dict[str, str]
    other: str = "#888888"
    labels: dict[str, str] | None = None

    def options(self) -> dict:
        return {"type": "categorical", "prop": self.prop, "colours": self.colours, "other": self.other}

    def legend(self) -> list[tuple[str, str]]:
        labels = self.labels or {}
        return [(c, labels.get(v, v.replace("_", " "))) for v, c in self.colours.items()]


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

    def legend(self) -> list[tuple[str, str]]:
        items = [(c, label) for _, c, label in self.breaks]
        if self.missing_label:
            items.append((self.missing, self.missing_label))
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
    # A popup that shows more once open: {"url", "member", "kind"} — the browser fetches the list at ``url``
    # once, finds the feature's entry (same id) in its ``member`` and renders it as ``kind`` (peacemap.js).
    detail: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if (self.url is None) == (self.data is None):
            raise InvalidInput(f"layer {self.key!r} needs exactly one of url or data", field="url")
        if self.data is not None and self.data.get("type") != "FeatureCollection":
            raise InvalidInput(f"layer {self.key!r}: data must be a GeoJSON FeatureCollection", field="data")

    def options(self) -> dict:
        """What the browser needs to fetch and draw this layer (JSON-ready)."""
        return {
            "key": self.key,
            "name": self.name,
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
            "popup": [[f.prop, f.label, f.fmt] for f in self.popup],
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
            "tilejson": self.tilejson,
            "detail": self.detail,
        }

    def legend(self) -> list[tuple[str, str]]:
        return self.colour.legend()
