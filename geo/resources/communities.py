"""Communities: settlements."""

from geo.models import Community
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="communities",
    model=Community,
    title="Communities",
    description="Settlements: villages, towns, IDP and PoC sites.",
    date_field=None,
    filters=(
        Filter("kind", "kind", "eq", "one or more kinds of settlement"),
        Filter("admin_area_id", "admin_area_id", "eq", "communities in this admin area (id)"),
        Filter("min_population", "population", "ge", "at least this many inhabitants"),
        Filter("q", "name", "ilike", "part of the name"),
    ),
    sensitive=(),
    example={
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [17.45, 5.93]},
        "properties": {"name": "Nana-Bakassa", "kind": "town", "population": 8200},
    },
    layer="communities",
    order=60,
)
