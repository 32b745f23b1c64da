"""/api/v1/patrols — patrol tracks."""

from typing import Annotated, Literal

from fastapi import Query

from api.resource_router import resource_router
from api.schemas.properties import PatrolProps
from geo import vocab
from geo.resources import SPECS


def filters(
    patrol_type: Annotated[list[Literal[vocab.PATROL_TYPES]] | None, Query()] = None,
    component: Annotated[list[Literal[vocab.COMPONENTS]] | None, Query()] = None,
    site_id: int | None = None,
) -> dict:
    return locals()


EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[18.55, 4.36], [18.60, 4.40], [18.66, 4.42]]},
    "properties": {
        "started_at": "2024-03-14T06:00:00Z", "ended_at": "2024-03-14T13:30:00Z",
        "patrol_type": "vehicle", "component": "military", "unit": "BANBATT-2 Coy B",
    },
}

router = resource_router(SPECS["patrols"], PatrolProps, filters, EXAMPLE)
