"""The worklist beside the map: the under-engaged communities of the view,
ranked, filtered and sorted by the server (``/api/v1/analysis/worklist``,
:mod:`geo.analysis.worklist`) and drawn by ``static/js/worklist.js``; a row
zooms the map to its community and opens the community's popup."""

from __future__ import annotations

import json

from folium.elements import JSCSSMixin
from jinja2 import Template

from geo import vocab
from geo.i18n import ENGLISH, Translator
from layers import assets
from layers.communities import communities_spec
from layers.spec import DateWindow, Urls

WORKLIST = "worklist"
AREAS = "admin-areas-list"
ROUTES = (WORKLIST, AREAS)
BRIEF_PAGE = "area-brief-page"  # /areas/{id}: its URL template comes from the router (a path parameter)
LIMIT = 200  # rows drawn; the CSV holds every row


def worklist_options(window: DateWindow, urls: Urls, brief_url: str | None, tr: Translator = ENGLISH) -> dict:
    """What worklist.js needs: its URL and the analysis parameters of the
    map's communities layer (the same ranking, travel hours included), the
    admin areas' URL, the brief's URL template, the community popup."""
    popup = communities_spec(window, urls)
    return {
        "url": urls[WORKLIST],
        "areasUrl": urls[AREAS],
        "briefUrl": brief_url,
        "params": dict(popup.params),
        "limit": LIMIT,
        "constituencies": list(vocab.CONSTITUENCIES),
        "popup": popup.options(tr),
    }


class Worklist(JSCSSMixin):
    """The panel (added beside the map by worklist.js)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        peacemap.worklist({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}"""
    )
    default_js = assets.WORKLIST_JS

    def __init__(self, options: dict):
        super().__init__()
        self._name = "Worklist"
        self.options_json = json.dumps(options).replace("</", "<\\/")
