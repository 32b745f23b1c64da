"""GPX tracks → patrols: one patrol per ``<trk>`` (all its segments), started
and ended at the first and last timestamp of its points. GPX says nothing
about the kind of patrol, so ``<type>`` is used when it names a patrol type and
``--set patrol_type=… --set component=…`` supply the rest."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from geo import vocab
from geo.io.boundaries import constant_number
from geo.io.fields import Batch, choice, iso_times, number, text
from geo.io.importer import Options, constant, put_source
from geo.io.sources import unreadable, vector_batches


def _track_times(opts: Options) -> tuple[pd.Series, pd.Series]:
    """First and last point time per track, streamed over the track points."""
    import pyogrio.raw  # here, not at the top: a server starts without it (bench/README.md, "Cold start")
    from pyogrio.errors import DataLayerError, DataSourceError

    firsts, lasts = [], []
    try:
        with pyogrio.raw.open_arrow(
            opts.path,
            layer="track_points",
            columns=["track_fid", "time"],
            read_geometry=False,
            use_pyarrow=True,
            batch_size=50_000,
        ) as (_, reader):
            for rb in reader:
                frame = rb.to_pandas().dropna(subset=["time"])
                grouped = frame.groupby("track_fid")["time"]
                firsts.append(grouped.min())
                lasts.append(grouped.max())
    except (DataSourceError, DataLayerError) as exc:
        raise unreadable(opts.path, exc) from None
    if not firsts:
        return pd.Series(dtype="datetime64[ms]"), pd.Series(dtype="datetime64[ms]")
    return (pd.concat(firsts).groupby(level=0).min(), pd.concat(lasts).groupby(level=0).max())


def read(opts: Options) -> Iterator[Batch]:
    started, ended = _track_times(opts)
    for b in vector_batches(opts.path, layer="tracks", progress=opts.progress):
        fids = b.rows - 1  # track_points.track_fid counts tracks from 0 in file order
        b.frame["started_at"] = started.reindex(fids).to_numpy()
        b.frame["ended_at"] = ended.reindex(fids).to_numpy()
        yield b


def map_batch(b: Batch, opts: Options) -> None:
    start = b.frame["started_at"].to_numpy(dtype="datetime64[us]")
    end = b.frame["ended_at"].to_numpy(dtype="datetime64[us]")
    b.reject(np.isnat(start), "time", "the track's points have no <time>: started_at/ended_at come from them")
    gpx_type = text(b, b.col("type"), "type")
    patrol_type = constant(b, opts, "patrol_type")
    for i, t in enumerate(gpx_type):
        if t and t.lower() in vocab.PATROL_TYPES:
            patrol_type[i] = t.lower()
    b.reject(
        np.array([p is None for p in patrol_type]),
        "patrol_type",
        "the track's <type> is not a patrol type; pass --set patrol_type=" + "|".join(vocab.PATROL_TYPES),
    )
    component = constant(b, opts, "component")
    b.reject(
        np.array([c is None for c in component]),
        "component",
        "GPX has no component; pass --set component=" + "|".join(vocab.COMPONENTS),
    )
    v = b.values
    v["started_at"], v["ended_at"] = iso_times(start), iso_times(end)
    v["patrol_type"] = choice(b, patrol_type, "patrol_type", vocab.PATROL_TYPES)
    v["component"] = choice(b, component, "component", vocab.COMPONENTS)
    v["unit"] = constant(b, opts, "unit")
    coverage = number(
        b, None, "coverage_m", default=constant_number(opts, "coverage_m") if "coverage_m" in opts.constants else None
    )
    b.reject(coverage <= 0, "coverage_m", "coverage_m must be above 0")
    b.reject(coverage > 100_000, "coverage_m", "coverage_m must be at most 100 000")
    v["coverage_m"] = [None if np.isnan(c) else float(c) for c in coverage]
    names = text(b, b.col("name"), "name", max_len=200)
    ids = np.array([n if n else f"track-{r}" for n, r in zip(names, b.rows, strict=True)], dtype=object)
    put_source(b, opts, ids, f"gpx:{opts.path.stem}")
