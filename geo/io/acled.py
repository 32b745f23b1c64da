"""ACLED CSV → incidents, both the current lower-case export and the older
upper-case one (``EVENT_ID_CNTY``, ``EVENT_DATE`` as "18-January-2018" or
"18/01/2018", the 2010s event types such as "Battle-No change of territory")."""

from __future__ import annotations

import re
from functools import partial

import numpy as np

from geo.io.fields import Batch, choice, dates, number, text
from geo.io.importer import Options, point_geoms, put_source, require_columns

SOURCE = "acled"
COLUMNS = {"event_id_cnty": (), "event_date": (), "event_type": (), "geo_precision": (), "fatalities": ()}
DATE_FORMATS = ("ISO8601", "%d %B %Y", "%d-%B-%Y", "%d-%b-%Y", "%d-%b-%y", "%d/%m/%Y", "%d.%m.%Y")
# ACLED event type (lower case, old and new names) → our event_type.
EVENT_TYPES = {
    "battles": "battle",
    "battle-no change of territory": "battle",
    "battle-government regains territory": "battle",
    "battle-non-state actor overtakes territory": "battle",
    "violence against civilians": "violence_against_civilians",
    "explosions/remote violence": "explosion_remote_violence",
    "remote violence": "explosion_remote_violence",
    "riots": "riot",
    "protests": "protest",
    "riots/protests": "riot",
    "strategic developments": "strategic_development",
    "strategic development": "strategic_development",
    "headquarters or base established": "strategic_development",
    "non-violent transfer of territory": "strategic_development",
    "non-violent activity": "strategic_development",
}
MISSION = re.compile(
    r"\b(MINUSCA|MONUSCO|MINUSMA|UNMISS|UNISFA|UNAMID|UNIFIL|MINURSO|MINUSTAH|UNMIL|UNOCI|"
    r"United Nations|UN Peacekeep\w*)\b",
    re.IGNORECASE,
)


def rename(column: str) -> str:
    return column.strip().lower()


def map_batch(b: Batch, opts: Options) -> None:
    c = require_columns(b, opts, COLUMNS, "ACLED")
    col = partial(opts.find, b)
    on = dates(b, b.col(c["event_date"]), "event_date", formats=DATE_FORMATS)
    year = col("year")
    if year is not None:
        y = number(b, year, "year", integer=True)
        b.reject(
            np.isfinite(y) & ~np.isnat(on) & (on.astype("datetime64[Y]").astype(int) + 1970 != y),
            "event_date",
            "event_date disagrees with the year column (day and month swapped?)",
        )
    raw_type = text(b, b.col(c["event_type"]), "event_type", required=True)
    sub = text(b, col("sub_event_type"), "sub_event_type", max_len=100)
    actor1 = text(b, col("actor1"), "actor1", max_len=300)
    actor2 = text(b, col("actor2"), "actor2", max_len=300)
    lowered = np.array([t.lower() if t else None for t in raw_type], dtype=object)
    event = np.array([EVENT_TYPES.get(t, t) for t in lowered], dtype=object)
    protest = np.fromiter((bool(a) and "protester" in a.lower() for a in actor1), bool, len(b))
    event[(lowered == "riots/protests") & protest] = "protest"
    event[np.array([bool(s) and s.lower().startswith("abduction") for s in sub])] = "abduction"
    choice(b, event, "event_type", tuple(set(EVENT_TYPES.values()) | {"abduction"}))
    geo = number(b, b.col(c["geo_precision"]), "geo_precision", integer=True, lo=1, hi=3, required=True)
    prec = number(b, col("time_precision"), "time_precision", integer=True, lo=1, hi=3, default=1)
    deaths = number(b, b.col(c["fatalities"]), "fatalities", integer=True, lo=0, default=0)
    target_col = col("civilian_targeting")
    if target_col is not None:
        civilian = np.array([t is not None for t in text(b, target_col, "civilian_targeting")])
    else:
        civilian = np.array([bool(a) and a.lower().startswith("civilians") for a in actor2])
    civilian = civilian | (event == "violence_against_civilians")
    point_geoms(b, opts)

    v = b.values
    v["occurred_on"] = on.astype("datetime64[D]").astype(str).astype(object)
    v["date_precision"] = np.nan_to_num(prec, nan=1).astype(int).astype(object)
    v["event_type"] = event
    v["sub_event_type"], v["actor1"], v["actor2"] = sub, actor1, actor2
    v["fatalities"] = np.nan_to_num(deaths).astype(int).astype(object)
    v["civilian_targeting"] = civilian.astype(object)
    v["targets_mission"] = np.array([bool(a and MISSION.search(a)) for a in actor2], dtype=object)
    v["geo_precision"] = np.nan_to_num(geo, nan=3).astype(int).astype(object)
    v["location_name"] = text(b, col("location"), "location", max_len=300)
    v["notes"] = text(b, col("notes"), "notes")
    put_source(b, opts, text(b, b.col(c["event_id_cnty"]), "event_id_cnty", max_len=200, required=True), SOURCE)
