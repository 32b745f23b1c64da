"""/api/v1/qips — Quick Impact Projects."""

from typing import Annotated, Literal

from fastapi import Query

from api.resource_router import resource_router
from api.schemas.properties import QipProps
from geo import vocab
from geo.resources import SPECS


def filters(
    status: Annotated[list[Literal[vocab.QIP_STATUSES]] | None, Query()] = None,
    sector: Annotated[list[Literal[vocab.QIP_SECTORS]] | None, Query()] = None,
    funded_by: Annotated[Literal[vocab.QIP_FUNDERS] | None, Query()] = None,
    community_id: int | None = None,
) -> dict:
    return locals()


EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [22.39, 8.41]},
    "properties": {
        "title": "Borehole rehabilitation, Ndélé market", "sector": "water", "status": "proposed",
        "budget_usd": 28000, "start_on": "2024-06-01", "end_on": "2024-10-31",
        "implementing_partner": "Local women's cooperative", "funded_by": "civilian", "beneficiaries": 4200,
    },
}

router = resource_router(SPECS["qips"], QipProps, filters, EXAMPLE)
