"""KoboToolbox exports of individual perception-survey responses →
perception results, aggregated to community × indicator × wave with the
number of valid answers (docs/politics.md#perceptions). Respondents are
never stored: only the shares and counts leave this module.

A response names its community in ``community`` (an id, a P-code or the
exact name), its day in ``today``/``start``/``_submission_time``, and
answers one question per indicator, in a column named after the indicator
(``trust_in_mission``…) or mapped with ``--map trust_in_mission=q_trust``.
An answer is favourable when it is yes/oui/true or 4–5 on a 1–5 scale,
unfavourable when no/non/false or 1–3; blank, don't know and refused are
not answers and do not count. ``survey`` and ``wave`` come from columns or
from ``--set survey=… --set wave=…``."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from functools import partial

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from geo import vocab
from geo.errors import InvalidInput
from geo.io.fields import Batch, dates, iso_dates, text
from geo.io.importer import Options, put_source
from geo.io.kobo import rename
from geo.io.report import Reject
from geo.io.sources import csv_batches
from geo.models import Community

SOURCE = "kobo"
FAVOURABLE = {"yes", "oui", "true", "4", "5"}
UNFAVOURABLE = {"no", "non", "false", "1", "2", "3"}
NOT_AN_ANSWER = {"", "dont_know", "don't know", "ne_sait_pas", "refused", "refuse", "na", "n/a"}


def _plain(v) -> str:
    s = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip().casefold()
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def _communities(opts: Options) -> dict[str, tuple[int, float, float]]:
    """Community id, P-code and name (accent- and case-insensitive) → (id, lon, lat)."""
    if opts.conn is None:
        raise InvalidInput("a perception survey import needs the database to find communities", field="community")
    rows = opts.conn.execute(
        select(Community.id, Community.pcode, Community.name, func.ST_X(Community.geom), func.ST_Y(Community.geom))
    ).all()
    out: dict[str, tuple[int, float, float]] = {}
    names: dict[str, list] = {}
    for cid, pcode, name, x, y in rows:
        out[str(cid)] = (cid, x, y)
        if pcode:
            out[_plain(pcode)] = (cid, x, y)
        names.setdefault(_plain(name), []).append((cid, x, y))
    out.update({n: hits[0] for n, hits in names.items() if len(hits) == 1 and n not in out})  # a unique name only
    return out


def _not_an_answer(column: str, said: list, k: int) -> str:
    return f"{column} {said[k]!r} is not a yes/no or 1–5 answer"


def read(opts: Options) -> Iterator[Batch]:
    """Every response checked (a bad one is rejected with its line), then one
    batch of the aggregates: each row stands for a group's first line."""
    places = _communities(opts)
    groups: dict[tuple, list] = {}
    rejects: list[Reject] = []
    read_rows = 0
    indicators: list[tuple[str, str]] = []
    for b in csv_batches(opts.path, encoding=opts.encoding or "utf-8", progress=opts.progress, rename=rename):
        read_rows += len(b)
        cols = list(b.frame.columns)
        if not indicators:
            indicators = [(i, c) for i in vocab.PERCEPTION_INDICATORS if (c := opts.column(cols, i)) is not None]
            if not indicators:
                raise InvalidInput(
                    f"{opts.path.name} answers no indicator: name a column after one of "
                    f"{', '.join(vocab.PERCEPTION_INDICATORS)} or use --map indicator=column",
                    field="indicator",
                )
        when_col = opts.column(cols, "fielded_on", "today", "start", "_submission_time", "date")
        day = dates(b, b.col(when_col), when_col or "today", formats=("ISO8601", "%d/%m/%Y"), utc=True)
        place_col = opts.column(cols, "community", "community_id", "village")
        where = [places.get(_plain(v)) for v in (b.frame[place_col] if place_col else [None] * len(b))]
        b.reject(
            np.array([w is None for w in where]), "community", "the community is not on record (id, P-code or name)"
        )
        survey = _constant_or_column(b, opts, cols, "survey")
        wave = _constant_or_column(b, opts, cols, "wave")
        answers = {i: [_plain(v) for v in b.frame[c]] for i, c in indicators}
        for i, c in indicators:
            bad = np.array([a not in FAVOURABLE | UNFAVOURABLE | NOT_AN_ANSWER for a in answers[i]])
            b.reject(bad, c, partial(_not_an_answer, c, answers[i]))
        rejects += b.rejects
        for k in np.flatnonzero(b.ok):
            for i, _ in indicators:
                a = answers[i][k]
                if a in NOT_AN_ANSWER:
                    continue
                place = where[k]
                if place is None:  # rejected above: not an ok row
                    raise RuntimeError("a response without a community was kept")
                key = (survey[k], wave[k], place[0], i)
                groups.setdefault(key, [int(b.rows[k]), place, day[k], 0, 0])
                g = groups[key]
                g[2] = min(g[2], day[k])
                g[3] += a in FAVOURABLE
                g[4] += 1
    frame = pd.DataFrame(
        [
            {
                "survey": s,
                "wave": w,
                "community_id": cid,
                "indicator": i,
                "first": g[2],
                "yes": g[3],
                "n": g[4],
                "lon": g[1][1],
                "lat": g[1][2],
                "line": g[0],
            }
            for (s, w, cid, i), g in groups.items()
        ],
        columns=["survey", "wave", "community_id", "indicator", "first", "yes", "n", "lon", "lat", "line"],
    )
    out = Batch(frame, frame["line"].to_numpy(np.int64))
    out.rejects, out.read = rejects, read_rows
    yield out


def _constant_or_column(b: Batch, opts: Options, cols: list[str], name: str) -> np.ndarray:
    col = opts.column(cols, name)
    if col is None and name not in opts.constants:
        raise InvalidInput(f"say which {name} this is: a column {name!r} or --set {name}=…", field=name)
    values = text(b, b.col(col), name, max_len=200, required=True) if col else np.full(len(b), opts.constants[name])
    return np.asarray(values, dtype=object)


def map_batch(b: Batch, opts: Options) -> None:
    """The aggregates as perception results (one per community, indicator and wave)."""
    f = b.frame
    v = b.values
    v["survey"] = f["survey"].to_numpy(object)
    v["wave"] = f["wave"].to_numpy(object)
    v["fielded_on"] = iso_dates(f["first"].to_numpy("datetime64[us]"))
    v["indicator"] = f["indicator"].to_numpy(object)
    v["value"] = (f["yes"] / f["n"]).round(6).tolist()
    v["sample_size"] = f["n"].astype(int).tolist()
    v["community_id"] = f["community_id"].astype(int).tolist()
    b.set_points(f["lon"].to_numpy(float), f["lat"].to_numpy(float))
    keys = [
        f"{s}|{w}|{c}|{i}" for s, w, c, i in zip(f["survey"], f["wave"], f["community_id"], f["indicator"], strict=True)
    ]
    put_source(b, opts, keys, SOURCE)
