"""Patrols: GPS tracks of patrols."""

from geo.models import Patrol
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="patrols",
    model=Patrol,
    title="Patrol tracks",
    description="GPS tracks of patrols; a patrol covers what lies within its coverage radius.",
    date_field="ended_at",
    filters=(
        Filter("patrol_type", "patrol_type", "eq", "one or more patrol types"),
        Filter("component", "component", "eq", "one or more mission components"),
        Filter("site_id", "site_id", "eq", "patrols from this mission site (id)"),
    ),
    sensitive=(),
    example={
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[18.55, 4.36], [18.60, 4.40], [18.66, 4.42]]},
        "properties": {
            "started_at": "2024-03-14T06:00:00Z",
            "ended_at": "2024-03-14T13:30:00Z",
            "patrol_type": "vehicle",
            "component": "military",
            "unit": "BANBATT-2 Coy B",
        },
    },
    layer="patrols",
    order=30,
)
