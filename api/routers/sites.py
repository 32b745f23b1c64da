"""/api/v1/sites — mission locations."""

from typing import Annotated, Literal

from fastapi import Query

from api.resource_router import resource_router
from api.schemas.properties import SiteProps
from geo import vocab
from geo.resources import SPECS


def filters(
    kind: Annotated[list[Literal[vocab.SITE_KINDS]] | None, Query()] = None,
    mission: Annotated[str | None, Query(max_length=50)] = None,
) -> dict:
    return locals()


EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [22.79, 7.09]},
    "properties": {"name": "Bria", "kind": "field_office", "mission": "MINUSCA", "active_from": "2014-09-15"},
}

router = resource_router(SPECS["sites"], SiteProps, filters, EXAMPLE)
