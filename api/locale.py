"""The language of a request: the remembered switch (the ``peacemap_lang``
cookie the pages' language menu sets), else the browser's
``Accept-Language``, else English (:mod:`geo.i18n`). Pages, popups, the
worklist, the brief and the reasons' text in the JSON API all follow it; the
codes beside the text do not change."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from geo.i18n import Translator, accept_language, available, negotiate, translator

LANG_COOKIE = "peacemap_lang"


def request_translator(request: Request) -> Translator:
    """The translator for this request (dependency)."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in available():
        return translator(chosen)
    return translator(negotiate(accept_language(request.headers.get("accept-language"))))


Lang = Annotated[Translator, Depends(request_translator)]
