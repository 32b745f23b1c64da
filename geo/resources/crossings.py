"""Crossings: bridges, ferries and fords, where travel crosses water (docs/reach.md)."""

from geo.models import Crossing
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="crossings",
    model=Crossing,
    title="River crossings",
    description="Bridges, ferries and fords: the only places the travel-time surface crosses water "
    "(a seasonal one is closed in the rainy season).",
    date_field=None,
    filters=(Filter("kind", "kind", "eq", "one or more kinds of crossing"),),
    sensitive=(),
    example={
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [18.006, 3.641]},
        "properties": {"name": "Bac de Mongoumba", "kind": "ferry", "seasonal": False},
    },
    layer="crossings",
    order=77,
)
