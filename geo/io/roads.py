"""OpenStreetMap / HOT road exports → roads (docs/reach.md).

Reads the shapes missions hold: the HOT export tool's GeoPackage or
Shapefile (``highway``, ``surface``, ``bridge``, ``osm_id``), Overpass or
osmtogeojson GeoJSON (``@id`` as ``way/123``), GDAL's OSM lines
(``other_tags``) and Geofabrik's ``fclass``. OSM's road classes fold into
:data:`geo.vocab.ROAD_CLASSES` (:data:`HIGHWAY`) and its surface values into
paved / gravel / earth (:data:`SURFACE`); a line whose ``highway`` is not a
road (``construction``, ``proposed``, ``platform``…) is skipped on purpose,
one without ``highway`` is rejected. A surface value OSM allows but the table
does not know is stored as unknown (null: the class's usual surface), never
guessed.
"""

from __future__ import annotations

import numpy as np

from geo.io.fields import Batch
from geo.io.importer import Options
from geo.io.osm import Tags, folded, is_yes, put_ids

HIGHWAY = {
    **{c: c for c in ("motorway", "trunk", "primary", "secondary", "tertiary")},
    **{f"{c}_link": c for c in ("motorway", "trunk", "primary", "secondary", "tertiary")},
    "unclassified": "unclassified",
    "road": "unclassified",  # "unknown road type" in OSM
    "unknown": "unclassified",  # Geofabrik's fclass for it
    "residential": "residential",
    "living_street": "residential",
    "service": "service",
    "track": "track",
    **{f"track_grade{g}": "track" for g in range(1, 6)},  # Geofabrik
    **dict.fromkeys(("path", "footway", "bridleway", "cycleway", "steps", "pedestrian"), "path"),
}
SURFACE = {
    **dict.fromkeys(
        (
            "paved",
            "asphalt",
            "concrete",
            "concrete:plates",
            "concrete:lanes",
            "chipseal",
            "paving_stones",
            "sett",
            "cobblestone",
            "unhewn_cobblestone",
            "bricks",
            "metal",
            "wood",
        ),
        "paved",
    ),
    **dict.fromkeys(("gravel", "fine_gravel", "compacted", "pebblestone", "laterite", "rock"), "gravel"),
    **dict.fromkeys(("earth", "unpaved", "dirt", "ground", "mud", "sand", "grass", "clay", "soil"), "earth"),
}
BRIDGE = frozenset({"viaduct", "aqueduct", "boardwalk", "movable", "cantilever", "covered", "suspension", "trestle"})


def map_batch(b: Batch, opts: Options) -> None:
    """Fill ``highway``, ``surface``, ``bridge``, ``name``, ``ref`` and the source of one batch.

    Parameters
    ----------
    b : Batch
    opts : Options

    Returns
    -------
    None
    """
    tags = Tags(b, opts)
    raw = tags.get("highway", "fclass")
    b.reject(np.array([h is None for h in raw], dtype=bool), "highway", "no highway tag: not a road")
    highway = folded(raw, HIGHWAY)
    b.skip(np.array([r is not None and h is None for r, h in zip(raw, highway, strict=True)], dtype=bool))
    v = b.values
    v["highway"] = highway
    v["surface"] = folded(tags.get("surface"), SURFACE)
    v["bridge"] = is_yes(tags.get("bridge"), BRIDGE).tolist()
    v["name"] = tags.text("name", 200)
    v["ref"] = tags.text("ref", 50)
    put_ids(b, opts)
