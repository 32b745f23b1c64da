"""OpenStreetMap points → crossings (docs/reach.md): ``amenity=ferry_terminal``
is a ferry, ``ford=yes`` (or ``highway=ford``) a ford, ``bridge=yes`` or
``man_made=bridge`` a bridge. Any other point of the file (a school in an
amenities extract) is skipped on purpose, so a whole OSM amenities or POI
file can be imported as it is.

``seasonal`` (closed in the rainy season) comes from ``seasonal=yes`` or
``ford=seasonal``; a ford without a ``seasonal`` tag is taken as seasonal
(fords are impassable at high water), a ferry or bridge as not.
"""

from __future__ import annotations

import numpy as np

from geo.io.fields import Batch
from geo.io.importer import Options
from geo.io.osm import Tags, is_yes, put_ids

SEASONAL_TAG = frozenset({"seasonal"})


def map_batch(b: Batch, opts: Options) -> None:
    """Fill ``kind``, ``seasonal``, ``name`` and the source of one batch.

    Parameters
    ----------
    b : Batch
    opts : Options

    Returns
    -------
    None
    """
    tags = Tags(b, opts)
    amenity, ford_tag, highway = tags.get("amenity"), tags.get("ford"), tags.get("highway")
    bridge, man_made, seasonal_tag = tags.get("bridge"), tags.get("man_made"), tags.get("seasonal")
    ferry = np.array([a == "ferry_terminal" for a in amenity], dtype=bool)
    ford = is_yes(ford_tag, SEASONAL_TAG) | np.array([h == "ford" for h in highway], dtype=bool)
    is_bridge = is_yes(bridge) | np.array([m == "bridge" for m in man_made], dtype=bool)
    kind = np.select([ferry, ford, is_bridge], ["ferry", "ford", "bridge"], default="").astype(object)
    b.skip(kind == "")
    told = np.array([s is not None for s in seasonal_tag], dtype=bool)
    seasonal = np.where(told, is_yes(seasonal_tag), kind == "ford") | np.array(
        [f == "seasonal" for f in ford_tag], dtype=bool
    )
    v = b.values
    v["kind"] = kind
    v["seasonal"] = seasonal.tolist()
    v["name"] = tags.text("name", 200)
    put_ids(b, opts)
