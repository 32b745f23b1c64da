"""/api/v1/engagements — contacts with communities."""

from typing import Annotated, Literal

from fastapi import Query

from api.resource_router import resource_router
from api.schemas.properties import EngagementProps
from geo import vocab
from geo.resources import SPECS


def filters(
    kind: Annotated[list[Literal[vocab.ENGAGEMENT_KINDS]] | None, Query()] = None,
    community_id: int | None = None,
    constituency: Annotated[Literal[vocab.CONSTITUENCIES] | None, Query(description="engagements that reached this group")] = None,
) -> dict:
    return locals()


EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [20.67, 5.76]},
    "properties": {
        "occurred_at": "2024-03-20T10:00:00Z", "kind": "townhall",
        "constituencies": ["women", "youth", "traditional_leaders"],
        "participants_women": 34, "participants_men": 41, "participants_total": 75,
        "summary": "Concerns about movement restrictions on the Bambari–Ippy axis.",
    },
}

router = resource_router(SPECS["engagements"], EngagementProps, filters, EXAMPLE)
