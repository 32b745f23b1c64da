"""The classes of travel time the map shows, declared once: the overlay PNG
is coloured with them (:func:`geo.reach.products.overlay_png`) and the map's
legend is built from them (``layers/travel_time.py``). Upper bound in hours
(None: the rest), colour, label (a msgid)."""

from __future__ import annotations

from geo.i18n import N_

HOURS_CLASSES: tuple[tuple[float | None, str, str], ...] = (
    (1.0, "#1a9850", N_("under 1 h")),
    (2.0, "#91cf60", N_("1–2 h")),
    (4.0, "#d9ef8b", N_("2–4 h")),
    (8.0, "#fee08b", N_("4–8 h")),
    (16.0, "#fc8d59", N_("8–16 h")),
    (None, "#d73027", N_("more than 16 h")),
)
UNREACHABLE = ("#542788", N_("no mission site reachable"))
