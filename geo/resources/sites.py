"""Sites: mission locations."""

from geo.models import Site
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="sites",
    model=Site,
    title="Mission sites",
    description="Mission locations: HQ, field offices, operating bases, team sites, UNPOL posts.",
    date_field="active_from",
    filters=(
        Filter("kind", "kind", "eq", "one or more kinds of site"),
        Filter("mission", "mission", "eq", "sites of this mission"),
    ),
    sensitive=(),
    example={
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [22.79, 7.09]},
        "properties": {"name": "Bria", "kind": "field_office", "mission": "MINUSCA", "active_from": "2014-09-15"},
    },
    layer="sites",
    order=70,
)
