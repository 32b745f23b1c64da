"""/api/v1/communities — settlements."""

from typing import Annotated, Literal

from fastapi import Query

from api.resource_router import resource_router
from api.schemas.properties import CommunityProps
from geo import vocab
from geo.resources import SPECS


def filters(
    kind: Annotated[list[Literal[vocab.COMMUNITY_KINDS]] | None, Query()] = None,
    admin_area_id: int | None = None,
    min_population: Annotated[int | None, Query(ge=0)] = None,
    q: Annotated[str | None, Query(max_length=100, description="part of the name")] = None,
) -> dict:
    return locals()


EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [17.45, 5.93]},
    "properties": {"name": "Nana-Bakassa", "kind": "town", "population": 8200},
}

router = resource_router(SPECS["communities"], CommunityProps, filters, EXAMPLE)
