"""Incidents: local conflict events (ACLED/UCDP-style fields)."""

from geo.models import Incident
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="incidents",
    model=Incident,
    title="Conflict incidents",
    description="Local conflict events (ACLED/UCDP-style fields; geo_precision 1 exact … 3 region).",
    date_field="occurred_on",
    filters=(
        Filter("event_type", "event_type", "eq", "one or more event types"),
        Filter("min_fatalities", "fatalities", "ge", "at least this many fatalities"),
        Filter("geo_precision", "geo_precision", "eq", "1 exact town, 2 near/part of region, 3 region centroid"),
        Filter(
            "targets_mission",
            "targets_mission",
            "eq",
            "only incidents that did (true) or did not (false) target the mission",
        ),
        Filter(
            "civilian_targeting",
            "civilian_targeting",
            "eq",
            "only incidents that did (true) or did not (false) target civilians",
        ),
    ),
    sensitive=("notes", "source", "source_id"),
    example={
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [17.45, 5.93]},
        "properties": {
            "occurred_on": "2024-03-14",
            "event_type": "cattle_raid",
            "fatalities": 2,
            "actor1": "Armed herders",
            "actor2": "Village self-defence group",
            "geo_precision": 1,
            "location_name": "Nana-Bakassa",
        },
    },
    layer="incidents",
    order=10,
)
