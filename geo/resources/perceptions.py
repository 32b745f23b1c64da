"""Perception surveys: what people think of the mission and their safety,
per community (or point), indicator and wave — aggregates only, never
respondents (docs/politics.md#perceptions)."""

from geo.models import Perception
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="perceptions",
    model=Perception,
    title="Perception survey results",
    description="Share of respondents answering an indicator's question favourably, per community (or point) "
    "and survey wave, with the number of valid answers.",
    date_field="fielded_on",
    filters=(
        Filter("indicator", "indicator", "eq", "one or more indicators"),
        Filter("survey", "survey", "ilike", "part of the survey's name"),
        Filter("wave", "wave", "eq", "one wave"),
        Filter("community_id", "community_id", "eq", "results for this community (id)"),
    ),
    sensitive=(),
    example={
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [20.67, 5.76]},
        "properties": {
            "survey": "Mission perception survey",
            "wave": "2024-03",
            "fielded_on": "2024-03-12",
            "indicator": "trust_in_mission",
            "value": 0.62,
            "sample_size": 180,
        },
    },
    layer=None,
    order=85,
)
