"""/api/v1/admin-areas — administrative boundaries."""

from typing import Annotated

from fastapi import Query

from api.resource_router import resource_router
from api.schemas.properties import AdminAreaProps
from geo.resources import SPECS


def filters(
    level: Annotated[int | None, Query(ge=0, le=5)] = None,
    pcode: Annotated[str | None, Query(max_length=50)] = None,
    country: Annotated[str | None, Query(max_length=3)] = None,
) -> dict:
    return locals()


EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "Polygon", "coordinates": [[[20.0, 5.5], [21.5, 5.5], [21.5, 6.5], [20.0, 6.5], [20.0, 5.5]]]},
    "properties": {"name": "Ouaka", "level": 1, "pcode": "CF52", "country": "CAF"},
}

router = resource_router(SPECS["admin-areas"], AdminAreaProps, filters, EXAMPLE)
