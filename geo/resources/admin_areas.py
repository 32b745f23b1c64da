"""Admin areas: administrative boundaries with P-codes."""

from geo.models import AdminArea
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="admin-areas",
    model=AdminArea,
    title="Admin areas",
    description="Administrative boundaries with P-codes.",
    date_field=None,
    filters=(
        Filter("level", "level", "eq", "administrative level (0 country … 5)"),
        Filter("pcode", "pcode", "eq", "the area with this P-code"),
        Filter("country", "country", "eq", "areas of this country (ISO 3166-1 alpha-3)"),
    ),
    sensitive=(),
    example={
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[20.0, 5.5], [21.5, 5.5], [21.5, 6.5], [20.0, 6.5], [20.0, 5.5]]],
        },
        "properties": {"name": "Ouaka", "level": 1, "pcode": "CF52", "country": "CAF"},
    },
    layer="admin-areas",
    order=80,
)
