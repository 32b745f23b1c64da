"""/api/v1/incidents — local conflict events."""

from typing import Annotated, Literal

from fastapi import Query

from api.resource_router import resource_router
from api.schemas.properties import IncidentProps
from geo import vocab
from geo.resources import SPECS


def filters(
    event_type: Annotated[list[Literal[vocab.EVENT_TYPES]] | None, Query(description="one or more event types")] = None,
    min_fatalities: Annotated[int | None, Query(ge=0)] = None,
    geo_precision: Annotated[int | None, Query(ge=1, le=3)] = None,
    targets_mission: bool | None = None,
    civilian_targeting: bool | None = None,
) -> dict:
    return locals()


EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [17.45, 5.93]},
    "properties": {
        "occurred_on": "2024-03-14", "event_type": "cattle_raid", "fatalities": 2,
        "actor1": "Armed herders", "actor2": "Village self-defence group",
        "geo_precision": 1, "location_name": "Nana-Bakassa",
    },
}

router = resource_router(SPECS["incidents"], IncidentProps, filters, EXAMPLE)
