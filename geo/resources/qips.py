"""QIPs: Quick Impact Projects."""

from geo.models import Qip
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="qips",
    model=Qip,
    title="Quick Impact Projects",
    description="Small projects (≤ USD 50 000) with a visible benefit.",
    date_field="start_on",
    filters=(
        Filter("status", "status", "eq", "one or more statuses"),
        Filter("sector", "sector", "eq", "one or more sectors"),
        Filter("funded_by", "funded_by", "eq", "one or more funding components"),
        Filter("community_id", "community_id", "eq", "projects for this community (id)"),
    ),
    sensitive=(),
    example={
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [22.39, 8.41]},
        "properties": {
            "title": "Borehole rehabilitation, Ndélé market",
            "sector": "water",
            "status": "proposed",
            "budget_usd": 28000,
            "start_on": "2024-06-01",
            "end_on": "2024-10-31",
            "implementing_partner": "Local women's cooperative",
            "funded_by": "civilian",
            "beneficiaries": 4200,
        },
    },
    layer="qips",
    order=50,
)
