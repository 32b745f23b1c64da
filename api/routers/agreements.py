"""/api/v1/agreements — local peace agreements and the areas they cover."""

from typing import Annotated, Literal

from fastapi import Query

from api.resource_router import resource_router
from api.schemas.properties import AgreementProps
from geo import vocab
from geo.resources import SPECS


def filters(
    status: Annotated[list[Literal[vocab.AGREEMENT_STATUSES]] | None, Query()] = None,
    issue: Annotated[Literal[vocab.AGREEMENT_ISSUES] | None, Query(description="agreements addressing this issue")] = None,
) -> dict:
    return locals()


EXAMPLE = {
    "type": "Feature",
    "geometry": {"type": "Polygon", "coordinates": [[[17.2, 6.7], [17.9, 6.7], [17.9, 7.2], [17.2, 7.2], [17.2, 6.7]]]},
    "properties": {
        "name": "Nana-Bakassa / Kouki cattle-raid agreement", "signed_on": "2017-05-20", "status": "in_force",
        "parties": ["Peuhl herders", "Nana-Bakassa farmers"], "issues": ["cattle_taxation", "freedom_of_movement"],
        "facilitated_by": "MINUSCA Civil Affairs",
    },
}

router = resource_router(SPECS["agreements"], AgreementProps, filters, EXAMPLE)
