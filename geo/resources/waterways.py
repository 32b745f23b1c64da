"""Waterways: rivers and water bodies, barriers of the travel-time surface
except at crossings (docs/reach.md)."""

from geo.models import Waterway
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="waterways",
    model=Waterway,
    title="Rivers and water bodies",
    description="Rivers, streams, canals and lakes: travel crosses them only at a bridge, ferry or ford "
    "(a seasonal one is a barrier in the rainy season only).",
    date_field=None,
    filters=(
        Filter("kind", "kind", "eq", "one or more kinds of water"),
        Filter("q", "name", "ilike", "part of the name"),
    ),
    sensitive=(),
    example={
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[18.20, 4.10], [18.56, 4.35], [18.90, 4.50]]},
        "properties": {"name": "Oubangui", "kind": "river", "seasonal": False},
    },
    layer="waterways",
    order=76,
)
