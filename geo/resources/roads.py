"""Roads: the road network a friction surface is built from (docs/reach.md)."""

from geo.models import Road
from geo.resources.spec import Filter, ResourceSpec

SPEC = ResourceSpec(
    name="roads",
    model=Road,
    title="Roads",
    description="Roads and tracks with their OpenStreetMap class and surface: the speeds of the travel-time surface.",
    date_field=None,
    filters=(
        Filter("highway", "highway", "eq", "one or more road classes"),
        Filter("surface", "surface", "eq", "one or more surface classes"),
        Filter("q", "name", "ilike", "part of the name"),
    ),
    sensitive=(),
    example={
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[18.55, 4.37], [18.40, 4.60], [18.17, 4.98]]},
        "properties": {"name": "RN1", "ref": "RN1", "highway": "primary", "surface": "paved", "bridge": False},
    },
    layer="roads",
    order=75,
)
