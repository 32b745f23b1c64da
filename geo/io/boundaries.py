"""Boundary layers (GeoJSON, GeoPackage, zipped Shapefile) → admin areas.

Column names differ by producer (WOF ``name``/``hasc``/``placetype``, OCHA
COD-AB ``ADM2_EN``/``ADM2_PCODE``/``ADM1_PCODE``); the usual ones are found
by themselves and ``--map`` / ``--set level=N`` cover the rest.
"""

from __future__ import annotations

from functools import partial
from typing import NoReturn

import numpy as np

from geo.errors import InvalidInput
from geo.io.fields import Batch, identifier, number, text
from geo.io.importer import Options, put_source

PLACETYPE_LEVEL = {"country": 0, "region": 1, "county": 2, "localadmin": 3, "borough": 4}
NAME = ("name", "adm4_en", "adm3_en", "adm2_en", "adm1_en", "adm0_en", "admin_name", "shapename", "nom")
PCODE = ("pcode", "adm4_pcode", "adm3_pcode", "adm2_pcode", "adm1_pcode", "adm0_pcode", "hasc", "shapeid")
PARENT = ("parent_pcode", "adm3_pcode", "adm2_pcode", "adm1_pcode", "adm0_pcode")
COUNTRY = ("country", "iso3", "iso", "adm0_pcode", "shapegroup")


def map_batch(b: Batch, opts: Options) -> None:
    cols = b.frame.columns
    col = partial(opts.find, b)
    name = text(b, col("name", *NAME), "name", max_len=200, required=True)
    pcode_col = opts.column(cols, "pcode", *PCODE)
    pcode = text(b, b.col(pcode_col), "pcode", max_len=50)
    parent_col = opts.column(cols, "parent_pcode", *[p for p in PARENT if p != (pcode_col or "").lower()])
    if parent_col is not None and parent_col != pcode_col:
        parent = text(b, b.col(parent_col), "parent_pcode", max_len=50)
    else:  # HASC codes nest: CF.BB.ND lies in CF.BB
        parent = np.array([p.rsplit(".", 1)[0] if p and "." in p else None for p in pcode], dtype=object)
    if "level" in opts.constants:
        level = number(b, None, "level", default=constant_number(opts, "level"))
    elif (lc := opts.column(cols, "level", "admin_level", "adm_level")) is not None:
        level = number(b, b.col(lc), "level", integer=True, required=True)
    else:
        ptype = col("placetype")
        if ptype is None:
            raise_missing_level(opts)
        level = ptype.map(PLACETYPE_LEVEL).to_numpy(dtype=float, na_value=np.nan)
        b.reject(
            np.isnan(level),
            "placetype",
            lambda i: f"placetype {ptype.iloc[i]!r} has no admin level (use --set level=N)",
        )
    b.reject((level < 0) | (level > 5) | (level != np.round(level)), "level", "level must be a whole number 0–5")
    country = opts.constants.get("country")
    v = b.values
    v["name"], v["pcode"], v["parent_pcode"] = name, pcode, parent
    v["level"] = [None if np.isnan(x) else int(x) for x in level]
    v["country"] = (
        np.full(len(b), country, dtype=object) if country else text(b, col("country", *COUNTRY), "country", max_len=3)
    )
    id_col = opts.column(cols, "source_id", "wof_id", "id", "fid")
    ids = identifier(b, b.col(id_col), id_col) if id_col else pcode
    put_source(b, opts, ids, "wof" if (id_col or "").lower() == "wof_id" else None)


def constant_number(opts: Options, fld: str) -> float:
    try:
        return float(opts.constants[fld])
    except ValueError:
        raise InvalidInput(f"--set {fld}={opts.constants[fld]}: not a number", field=fld) from None


def raise_missing_level(opts: Options) -> NoReturn:
    raise InvalidInput(
        f"{opts.path.name}: cannot tell the admin level (no level or placetype column); pass --set level=N",
        field="level",
    )
