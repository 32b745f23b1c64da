"""Gazetteer CSVs → communities: Who's On First localities (``wof_id``,
``is_current``…; superseded rows are skipped) and GeoNames towns
(``geonameid``, ``population``)."""

from __future__ import annotations

import numpy as np

from geo import vocab
from geo.io.fields import Batch, choice, identifier, number, text
from geo.io.importer import Options, constant, missing_columns, point_geoms, put_source, require_columns

TOWN_POPULATION = 5_000  # gazetteers have no village/town split; population decides


def map_batch(b: Batch, opts: Options) -> None:
    cols = b.frame.columns
    id_col = opts.column(cols, "source_id", "wof_id", "geonameid", "geoname_id", "gn_id", "id")
    if id_col is None:
        raise missing_columns(opts, {"source_id": ("wof_id", "geonameid")}, "gazetteer")
    c = require_columns(b, opts, {"name": ("asciiname",)}, "gazetteer")
    current = b.col(opts.column(cols, "is_current"))
    if current is not None:
        b.skip(current.astype(str).str.strip().isin(["0", "0.0", "false", "False"]).to_numpy())
    name = text(b, b.col(c["name"]), "name", max_len=200, required=True)
    pop = number(b, b.col(opts.column(cols, "population", "pop")), "population", integer=True, lo=0)
    point_geoms(b, opts)
    kind = constant(b, opts, "kind")
    if "kind" not in opts.constants:
        kind[:] = "village"
        kind[np.nan_to_num(pop) >= TOWN_POPULATION] = "town"
    v = b.values
    v["name"] = name
    v["kind"] = choice(b, kind, "kind", vocab.COMMUNITY_KINDS)
    v["population"] = [None if np.isnan(p) else int(p) for p in pop]
    v["pcode"] = text(b, b.col(opts.column(cols, "pcode", "hasc")), "pcode", max_len=50)
    source = "wof" if id_col.lower() == "wof_id" else "geonames"
    put_source(b, opts, identifier(b, b.col(id_col), id_col), source)
