"""The Content-Security-Policy of the two pages (``/map``, ``/qips/plot``).

Scripts run only from our own origin or with this response's nonce, so HTML
that slips into a page (a popup built from a record someone typed) cannot
run: ``<img src=x onerror=…>`` stays inert even if an escape were missed.
Folium writes its map code as inline ``<script>`` blocks in templates with no
place for a nonce, so :func:`nonce_scripts` adds it to the rendered page —
safe because the pages hold no data (the browser fetches every record as
JSON): every script in them is ours. Styles may be inline (Leaflet and folium
position everything with style attributes; a style cannot run code). Other
responses get a closed policy from :mod:`api.middleware`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi.responses import HTMLResponse

_SCRIPT_TAG = re.compile(r"<script\b(?![^>]*\bnonce=)", re.IGNORECASE)


def page_csp(nonce: str, img_origins: tuple[str, ...] = ()) -> str:
    """The policy; ``img_origins`` are other origins images may come from
    (the online tile server, when one is configured)."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            " ".join(["img-src 'self' data: blob:", *img_origins]),
            "connect-src 'self'",
            "font-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def nonce_scripts(html: str, nonce: str) -> str:
    """Every ``<script>`` tag of a page we rendered ourselves, with the nonce."""
    return _SCRIPT_TAG.sub(f'<script nonce="{nonce}"', html)


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL (template): what a CSP source names."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def html_page(render: Callable[[str], str], img_origins: tuple[str, ...] = ()) -> HTMLResponse:
    """``render(nonce)`` → the page, sent with its policy and a fresh nonce."""
    nonce = secrets.token_urlsafe(18)
    return HTMLResponse(render(nonce), headers={"Content-Security-Policy": page_csp(nonce, img_origins)})
