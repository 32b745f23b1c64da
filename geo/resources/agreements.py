"""Agreements: local peace agreements and the areas they cover."""

from geo.models import Agreement
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="agreements",
    model=Agreement,
    title="Local peace agreements",
    description="Written agreements between local parties, with the area they cover.",
    date_field="signed_on",
    filters=(
        Filter("status", "status", "eq", "one or more statuses"),
        Filter("issue", "issues", "contains", "agreements addressing this issue"),
    ),
    sensitive=(),
    example={
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[17.2, 6.7], [17.9, 6.7], [17.9, 7.2], [17.2, 7.2], [17.2, 6.7]]],
        },
        "properties": {
            "name": "Nana-Bakassa / Kouki cattle-raid agreement",
            "signed_on": "2017-05-20",
            "status": "in_force",
            "parties": ["Peuhl herders", "Nana-Bakassa farmers"],
            "issues": ["cattle_taxation", "freedom_of_movement"],
            "facilitated_by": "MINUSCA Civil Affairs",
        },
    },
    layer="agreements",
    order=20,
)
