"""A query parameter the API does not define is refused (400 naming it), on
every route: OGC API Features requires it, and a client that sends
``filter=…`` to a server that ignored it would take every feature for the
filtered set. The names a route accepts are read from the route itself
(its dependency tree, as FastAPI built it), so they cannot drift from what the
OpenAPI document lists."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from api.responses import answers

_KNOWN: dict[int, frozenset[str]] = {}


class UnknownParameter(HTTPException):
    """400 with ``field`` (``api.errors`` puts it in the JSON body)."""

    def __init__(self, name: str, value: str, known: frozenset[str]):
        allowed = ", ".join(sorted(known)) or "none"
        if name:
            super().__init__(400, f"unknown query parameter {name!r}; this route takes: {allowed}")
            self.field = name
        else:  # "?=v": no name to give, so the field is the pair as the query string holds it
            self.field = f"={value}"[:64]
            super().__init__(400, f"a query parameter has no name ({self.field!r}); this route takes: {allowed}")


def _query_names(dependant: Dependant) -> set[str]:
    names = {f.alias for f in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def route_query_names(route: APIRoute) -> frozenset[str]:
    """The query parameter names (aliases) ``route`` declares."""
    names = _KNOWN.get(id(route))
    if names is None:
        names = frozenset(_query_names(route.dependant))
        _KNOWN[id(route)] = names
    return names


@answers(400)  # every route: api.assembly installs this dependency app-wide
async def refuse_unknown_parameters(request: Request) -> None:
    """App-wide dependency: every query parameter must be one the route declares."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    known = route_query_names(route)
    for name, value in request.query_params.multi_items():
        if name not in known:
            raise UnknownParameter(name, value, known)
