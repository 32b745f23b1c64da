"""KoboToolbox CSV exports → engagements. Kobo writes group paths into
column names ("meeting/kind"), a geopoint as ``_geolocation`` "[lat, lon]"
or as ``_<name>_latitude``/``_<name>_longitude``, and select-multiple
answers as space-separated choice names. The people heard come as a
select-multiple of their pseudonymous ids (``interlocutors``, e.g. a choice
list from the interlocutor register), stored as the engagement's
``interlocutor_ids`` (docs/politics.md#who-was-heard)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from sqlalchemy import select

from geo import vocab
from geo.io.fields import Batch, choice, dates, iso_times, lonlat, number, text
from geo.io.importer import Options, missing_columns, put_source, require_columns
from geo.models import Interlocutor

SOURCE = "kobo"


def rename(column: str) -> str:
    return column.strip().rsplit("/", 1)[-1]


def _geopoint(b: Batch, opts: Options) -> None:
    cols = list(b.frame.columns)
    geo = opts.column(cols, "_geolocation", "geolocation")
    if geo is not None and "longitude" not in opts.mapping:
        parts = b.frame[geo].astype(str).str.strip().str.strip("[]").str.split(r"[,\s]+", n=1, expand=True, regex=True)
        parts = parts.reindex(columns=[0, 1]).fillna("").replace({"None": "", "null": "", "nan": ""})
        x, y = lonlat(b, parts[1], parts[0], lon_field=geo, lat_field=geo)
    else:
        lat = opts.column(cols, "latitude", "lat", *[c for c in cols if c.endswith("_latitude")])
        lon = opts.column(cols, "longitude", "lon", "lng", *[c for c in cols if c.endswith("_longitude")])
        if lat is None or lon is None:
            raise missing_columns(opts, {"_geolocation": ("latitude and longitude",)}, "KoboToolbox")
        x, y = lonlat(b, b.col(lon), b.col(lat), lon_field=lon, lat_field=lat)
    b.set_points(x, y)


def _kinds(values: np.ndarray) -> np.ndarray:
    return np.array([v.lower().replace(" ", "_").replace("-", "_") if v else v for v in values], dtype=object)


def _multi(b: Batch, s: pd.Series | None, field: str, allowed: tuple[str, ...]) -> list:
    raw = text(b, s, field)
    lists = [sorted(set(v.replace(",", " ").split())) if v else [] for v in raw]
    allowed_set = set(allowed)
    b.reject(
        np.array([bool(set(v) - allowed_set) for v in lists]),
        field,
        lambda i: f"{field} {sorted(set(lists[i]) - allowed_set)} not in {', '.join(allowed)}",
    )
    return lists


def _interlocutors(b: Batch, opts: Options, s: pd.Series, field: str) -> list[list[int]]:
    """Space- or comma-separated pseudonymous ids → interlocutor ids; a row
    naming someone not (or not uniquely) in the register is rejected."""
    lists = [v.replace(",", " ").split() if v else [] for v in text(b, s, field)]
    wanted = sorted({p for row in lists for p in row})
    ids: dict[str, list[int]] = {}
    if wanted and opts.conn is not None:
        for pseudonym, pid in opts.conn.execute(
            select(Interlocutor.pseudonym, Interlocutor.id).where(Interlocutor.pseudonym.in_(wanted))
        ):
            ids.setdefault(pseudonym, []).append(pid)
    unknown = [[p for p in row if len(ids.get(p, [])) != 1] for row in lists]
    b.reject(
        np.array([bool(u) for u in unknown]),
        field,
        lambda i: f"{field}: {', '.join(unknown[i])} not (or not once) in the interlocutor register",
    )
    return [[ids[p][0] for p in row if len(ids.get(p, [])) == 1] for row in lists]


def map_batch(b: Batch, opts: Options) -> None:
    col = partial(opts.find, b)
    c = require_columns(
        b,
        opts,
        {
            "source_id": ("_uuid", "instanceID", "_id"),
            "occurred_at": ("date", "today", "start", "_submission_time"),
            "kind": ("engagement_type", "type"),
        },
        "KoboToolbox engagement",
    )
    when = dates(b, b.col(c["occurred_at"]), c["occurred_at"], formats=("ISO8601", "%d/%m/%Y"), utc=True)
    kind = text(b, b.col(c["kind"]), c["kind"], max_len=30)
    if "kind" in opts.constants:
        kind = np.array([k or opts.constants["kind"] for k in kind], dtype=object)
    kind = choice(b, _kinds(kind), c["kind"], vocab.ENGAGEMENT_KINDS)
    people = {}
    for who in ("women", "men", "total"):
        vals = number(b, col(f"participants_{who}", who, f"n_{who}"), f"participants_{who}", integer=True, lo=0)
        people[who] = [None if np.isnan(x) else int(x) for x in vals]
    _geopoint(b, opts)
    v = b.values
    v["occurred_at"] = iso_times(when)
    v["kind"] = kind
    v["constituencies"] = _multi(
        b, col("constituencies", "groups", "constituency"), "constituencies", vocab.CONSTITUENCIES
    )
    for who, counts in people.items():
        v[f"participants_{who}"] = counts
    v["summary"] = text(b, col("summary", "notes", "description"), "summary")
    v["follow_up"] = text(b, col("follow_up", "followup", "next_steps"), "follow_up")
    heard = opts.column(b.frame.columns, "interlocutors", "interlocutor_ids", "interlocutor")
    if heard is not None:
        b.links["interlocutor_ids"] = _interlocutors(b, opts, b.frame[heard], heard)
    put_source(b, opts, text(b, b.col(c["source_id"]), c["source_id"], max_len=200, required=True), SOURCE)
