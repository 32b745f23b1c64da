"""UCDP Georeferenced Event Dataset (GED) → incidents.

GED codes (Codebook v23.1): ``where_prec`` 1–2 place a point at or near a
named place, 3 at a second-order admin unit or ~25 km area, 4–7 at a
first-order admin unit, country or beyond; ``date_prec`` 1–5 widens from the
exact day to the year; ``best`` is the best estimate of deaths.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geo.io.fields import Batch, dates, identifier, number, text
from geo.io.importer import Options, point_geoms, put_source, require_columns

SOURCE = "ucdp-ged"
COLUMNS = dict.fromkeys(
    ("id", "type_of_violence", "side_a", "side_b", "where_prec", "date_prec", "date_start", "best"), ()
)
SUB_EVENT = np.array([None, "state-based", "non-state", "one-sided"], dtype=object)
# GED has no actor-type column; communal identity groups are named after the
# identity ("Christians (CAR)", "Peuhl militia (Zemio)", "Dinka", "Lendu"…).
COMMUNAL = re.compile(
    r"\b(?:christians?|muslims?|fulani|fulbe|peuhl|peul|dinka|nuer|murle|anyuak|toposa|mundari|lendu|hema|"
    r"bambara|dogon|bozo|tuareg|daoussak|misseriya|rizeigat|habbaniya|salamat|maaliya|gula|runga|kara|"
    r"banyamulenge|bafuliro|twa|luba|communal|ethnic|tribal|clan)\b",
    re.IGNORECASE,
)


def is_communal(names: np.ndarray) -> np.ndarray:
    codes, distinct = pd.factorize(pd.Series(names, dtype=object))  # few actors, many events
    hits = pd.Series(distinct, dtype=object).str.contains(COMMUNAL, na=False).to_numpy(dtype=bool)
    return np.append(hits, False)[codes]  # code -1 (no name) → False


def map_batch(b: Batch, opts: Options) -> None:
    c = require_columns(b, opts, COLUMNS, "UCDP GED")
    tov = number(b, b.col(c["type_of_violence"]), "type_of_violence", integer=True, lo=1, hi=3, required=True)
    where = number(b, b.col(c["where_prec"]), "where_prec", integer=True, lo=1, hi=7, required=True)
    dprec = number(b, b.col(c["date_prec"]), "date_prec", integer=True, lo=1, hi=5, required=True)
    best = number(b, b.col(c["best"]), "best", integer=True, lo=0, required=True)
    civ = number(
        b, b.col(opts.column(b.frame.columns, "deaths_civilians")), "deaths_civilians", integer=True, lo=0, default=0
    )
    start = dates(b, b.col(c["date_start"]), "date_start")
    end_col = b.col(opts.column(b.frame.columns, "date_end"))
    if end_col is not None:
        end = dates(b, end_col, "date_end", required=False)
        b.reject(end < start, "date_end", "date_end is before date_start")
    side_a = text(b, b.col(c["side_a"]), "side_a", max_len=300)
    side_b = text(b, b.col(c["side_b"]), "side_b", max_len=300)
    point_geoms(b, opts)

    t = np.nan_to_num(tov).astype(int)
    communal = is_communal(side_a) & is_communal(side_b)
    event = np.select(
        [t == 1, (t == 2) & communal, t == 2, t == 3],
        ["battle", "intercommunal_clash", "battle", "violence_against_civilians"],
        "battle",
    )
    w = np.nan_to_num(where, nan=7).astype(int)
    v = b.values
    v["occurred_on"] = start.astype("datetime64[D]").astype(str).astype(object)
    v["date_precision"] = np.nan_to_num(dprec, nan=1).astype(int).astype(object)
    v["event_type"] = event.astype(object)
    v["sub_event_type"] = SUB_EVENT[np.clip(t, 0, 3)]
    v["actor1"], v["actor2"] = side_a, side_b
    v["fatalities"] = np.nan_to_num(best).astype(int).astype(object)
    v["civilian_targeting"] = ((np.nan_to_num(civ) > 0) | (t == 3)).astype(object)
    v["geo_precision"] = np.select([w <= 2, w == 3], [1, 2], 3).astype(object)
    v["location_name"] = text(
        b, b.col(opts.column(b.frame.columns, "where_coordinates")), "where_coordinates", max_len=300
    )
    v["notes"] = text(b, b.col(opts.column(b.frame.columns, "source_article")), "source_article")
    put_source(b, opts, identifier(b, b.col(c["id"]), "id"), SOURCE)
