"""Rivers and water bodies → waterways (docs/reach.md): Natural Earth's
rivers and lake centrelines (``featurecla``, ``name``, ``ne_id`` or
``rivernum``) and OpenStreetMap's ``waterway`` lines and ``natural=water`` /
``wetland`` areas.

Natural Earth: ``River`` → river, ``Lake Centerline`` → lake, ``Canal`` →
canal; ``(Intermittent)`` in the class → seasonal. OSM: ``waterway`` river /
stream / canal (``riverbank`` → river), ``natural=water`` with ``water`` lake,
reservoir, river…, ``natural=wetland``; ``intermittent=yes`` or
``seasonal=yes`` → seasonal. Drains, ditches and other features are skipped
on purpose; a row that is none of these is rejected.
"""

from __future__ import annotations

import numpy as np

from geo.io.fields import Batch
from geo.io.importer import Options
from geo.io.osm import Tags, folded, is_yes, put_ids

NATURAL_EARTH = {"river": "river", "lake centerline": "lake", "canal": "canal"}
WATERWAY = {"river": "river", "riverbank": "river", "stream": "stream", "canal": "canal"}
WATERWAY_SKIPPED = frozenset({"drain", "ditch", "dam", "weir", "waterfall", "lock_gate", "dock", "boatyard"})
WATER = {
    "lake": "lake",
    "pond": "lake",
    "lagoon": "lake",
    "oxbow": "lake",
    "reservoir": "reservoir",
    "basin": "reservoir",
    "river": "river",
    "canal": "canal",
    "stream": "stream",
}
NE_SOURCE = "naturalearth"
NE_IDS = ("ne_id", "rivernum")


def _natural_earth(b: Batch, tags: Tags) -> tuple[np.ndarray, np.ndarray]:
    cla = tags.get("featurecla")
    intermittent = np.array([c is not None and "intermittent" in c for c in cla], dtype=bool)
    base = np.array([None if c is None else c.replace("(intermittent)", "").strip() for c in cla], dtype=object)
    kind = folded(base, NATURAL_EARTH)
    b.reject(
        np.array([k is None for k in kind], dtype=bool),
        "featurecla",
        lambda i: f"featurecla {cla[i]!r} is not a river, lake centreline or canal",
    )
    return kind, intermittent


def _openstreetmap(b: Batch, tags: Tags) -> tuple[np.ndarray, np.ndarray]:
    waterway, natural, water = tags.get("waterway"), tags.get("natural"), tags.get("water")
    kind = folded(waterway, WATERWAY)
    areas = np.array([n == "water" for n in natural], dtype=bool)
    kind[areas] = folded(water[areas], WATER)
    kind[areas & np.array([k is None for k in kind], dtype=bool)] = "lake"  # natural=water without a water=* tag
    kind[np.array([n == "wetland" for n in natural], dtype=bool)] = "wetland"
    skipped = np.array([w in WATERWAY_SKIPPED for w in waterway], dtype=bool) & np.array(
        [k is None for k in kind], dtype=bool
    )
    b.skip(skipped)
    b.reject(
        np.array([k is None for k in kind], dtype=bool),
        "waterway",
        "neither a waterway (river, stream, canal) nor natural=water or wetland",
    )
    seasonal = is_yes(tags.get("intermittent")) | is_yes(tags.get("seasonal"))
    return kind, seasonal


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
    natural_earth = opts.column(b.frame.columns, "featurecla") is not None
    tags = Tags(b, opts)
    kind, seasonal = (_natural_earth if natural_earth else _openstreetmap)(b, tags)
    v = b.values
    v["kind"] = kind
    v["seasonal"] = seasonal.tolist()
    v["name"] = tags.text("name", 200, "name_en")
    if natural_earth:
        put_ids(b, opts, NE_IDS, NE_SOURCE)
    else:
        put_ids(b, opts)
