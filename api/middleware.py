"""What every request and response passes through, as plain ASGI middleware
(no extra task per request):

- a request id (``X-Request-ID``: the caller's if it is a plain token, else a
  new one) that the error log lines carry, so a client's report of an error
  finds the server's record of its cause;
- the request limits: the body size (``PEACEMAP_MAX_BODY_MB``, or
  ``PEACEMAP_MAX_UPLOAD_MB`` on the import uploads) enforced *before* the body
  is parsed — a declared ``Content-Length`` over the cap is answered 413
  unread, a body without one is counted as it arrives — and the vertex limit
  (``PEACEMAP_MAX_VERTICES``) for the geometry checks of this request;
- the security headers of every response (the pages add their own
  Content-Security-Policy with a per-response nonce: :mod:`api.page_policy`).
"""

from __future__ import annotations

import re
import uuid

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import REQUEST_ID, error_body
from api.settings import ApiSettings
from geo.geometry import limit_vertices

_TOKEN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Responses that render nothing (JSON, GeoJSON, CSV, files) may load nothing either.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class BodyTooLarge(HTTPException):
    """Raised while the body is read (FastAPI passes HTTPExceptions through)."""

    field = "body"

    def __init__(self, detail: str):
        super().__init__(413, detail)


class RequestContext:
    """Request id, body and vertex limits (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: ApiSettings, upload_paths: frozenset[str]):
        self.app, self.settings, self.upload_paths = app, settings, upload_paths

    def _cap(self, path: str) -> tuple[int, str, str]:
        if path in self.upload_paths:
            return int(self.settings.max_upload_mb * 1_000_000), "upload", "PEACEMAP_MAX_UPLOAD_MB"
        return int(self.settings.max_body_mb * 1_000_000), "request body", "PEACEMAP_MAX_BODY_MB"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID, "")
        rid = given if _TOKEN.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid  # request.state.request_id (api.errors logs it)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID] = rid
            await send(message)

        cap, what, setting = self._cap(scope["path"])
        detail = f"the {what} is larger than the {cap / 1e6:g} MB limit ({setting})"
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            await JSONResponse(error_body(detail, "too_large", "body"), status_code=413)(scope, receive, send_with_id)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge(detail)
            return message

        with limit_vertices(self.settings.max_vertices):
            await self.app(scope, counted, send_with_id)


class SecurityHeaders:
    """nosniff, same-origin referrers, no framing; a closed CSP on responses
    that are not pages (pages set their own)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if "content-security-policy" not in headers and not headers.get("content-type", "").startswith(
                    "text/html"
                ):
                    headers["Content-Security-Policy"] = API_CSP
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_middleware(app: FastAPI, settings: ApiSettings, upload_paths: frozenset[str]) -> None:
    """Both outside gzip; the security headers outermost, so the request
    context's own 413 answers carry them too."""
    app.add_middleware(RequestContext, settings=settings, upload_paths=upload_paths)
    app.add_middleware(SecurityHeaders)
