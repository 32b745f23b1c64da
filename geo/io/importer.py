"""The shared import pipeline: read a file in batches, map each batch to the
table's columns (format modules do that), reject what cannot be stored, and
upsert the rest with COPY by ``source`` + ``source_id``.

One file is one savepoint: a file that cannot be parsed, or a database error,
leaves nothing behind; a dry run does all the work and then rolls it back, so
its counts (new vs updated) are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from geo import links
from geo.bulk import BulkResult, bulk_upsert, geometry_to_ewkb_hex
from geo.errors import InvalidInput
from geo.io.fields import Batch, lonlat
from geo.io.geometry import conform
from geo.io.report import ImportReport
from geo.io.sources import Progress
from geo.models import AuditLog
from geo.resources import ResourceSpec, get_spec


@dataclass
class Options:
    """What the user can say about a file beyond its contents."""

    path: Path
    resource: str
    mapping: dict[str, str] = field(default_factory=dict)  # model field → column in the file
    constants: dict[str, str] = field(default_factory=dict)  # model field → value for every row
    encoding: str | None = "utf-8"  # a CSV's text encoding (None for vector files)
    encoding_detected: bool = False  # True when the importer chose it (geo.io.sources.detect_encoding)
    layer: str | None = None
    progress: Progress | None = None
    conn: Connection | None = None  # set while importing, for lookups (foreign keys)

    def column(self, frame_columns, fld: str, *candidates: str) -> str | None:
        """The file column for ``fld``: the --map choice, else the first candidate present."""
        cols = list(frame_columns)
        if fld in self.mapping:
            wanted = self.mapping[fld]
            if wanted not in cols:
                raise InvalidInput(
                    f"--map {fld}={wanted}: the file has no column {wanted!r} (it has {', '.join(cols[:40])})",
                    field="map",
                )
            return wanted
        lower = {c.lower(): c for c in cols}
        for cand in (fld, *candidates):
            if cand.lower() in lower:
                return lower[cand.lower()]
        return None

    def find(self, b: Batch, fld: str, *candidates: str) -> pd.Series | None:
        """The batch's column for ``fld`` (see :meth:`column`), or None when the file has none."""
        return b.col(self.column(b.frame.columns, fld, *candidates))

    @property
    def default_source(self) -> str:
        return self.constants.get("source") or f"file:{self.path.stem}"


Mapper = Callable[[Batch, Options], None]
Reader = Callable[[Options], Iterator[Batch]]


@dataclass(frozen=True)
class Format:
    """A file format for one resource: how to read it and how to map a batch.

    A mapper fills ``batch.values`` (model column → one value per row, already
    valid) and ``batch.geoms``, and rejects rows it cannot map.
    """

    name: str
    resource: str
    read: Reader
    map: Mapper
    row_label: str = "line"
    uses_connection: bool = False  # the mapper queries the database (so loads cannot overlap it)


def _connection(target: Session | Connection) -> Connection:
    return target.connection() if isinstance(target, Session) else target


def _load(conn: Connection, spec: ResourceSpec, columns: list[str], rows, linked: dict) -> BulkResult:
    """Upsert rows, then replace the links of those rows the file gave (``geo.links``)."""
    result = bulk_upsert(conn, spec.model, columns, rows)
    for prop, keyed in linked.items():
        link = spec.link(prop)
        assert link is not None
        links.replace_by_key(conn, spec, link, keyed)
    return result


def run(
    target: Session | Connection, fmt: Format, opts: Options, *, dry_run: bool = False, who: str | None = None
) -> ImportReport:
    spec = get_spec(fmt.resource)
    report = ImportReport(
        resource=fmt.resource,
        format=fmt.name,
        file=opts.path.name,
        row_label=fmt.row_label,
        dry_run=dry_run,
        encoding=opts.encoding,
        encoding_detected=opts.encoding_detected,
    )
    seen: dict[tuple[str, str], int] = {}
    savepoint = target.begin_nested()  # a Session's or a Connection's savepoint: both roll back alike
    conn = opts.conn = _connection(target)  # (a Session emits its SAVEPOINT here)
    if who is not None:  # the writer, for the database's own triggers (an agreement's status history)
        conn.execute(select(func.set_config("peacemap.actor", who, True)))
    try:
        # Map batch n+1 while the database loads batch n (the wait releases the GIL).
        with ThreadPoolExecutor(max_workers=1) as loader:
            pending: Future | None = None
            for batch in fmt.read(opts):
                if pending is not None and fmt.uses_connection:
                    _count(report, pending.result())
                    pending = None
                _check(batch, fmt, opts, report, seen)
                if batch.ok.any():
                    columns, rows = _rows(batch, spec.has_geometry)
                    if pending is not None:
                        _count(report, pending.result())
                    pending = loader.submit(_load, conn, spec, columns, rows, _linked(batch))
            if pending is not None:
                _count(report, pending.result())
        if dry_run:
            savepoint.rollback()
        else:
            conn.execute(
                insert(AuditLog).values(
                    key_name=who,
                    action="import",
                    resource=fmt.resource,
                    resource_id=None,
                    after={
                        "file": opts.path.name,
                        "format": fmt.name,
                        "inserted": report.inserted,
                        "updated": report.updated,
                        "rejected": report.rejected,
                    },
                )
            )
            savepoint.commit()
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    finally:
        opts.conn = None
    report.rejects.sort(key=lambda r: r.row)
    return report


def _check(batch: Batch, fmt: Format, opts: Options, report: ImportReport, seen: dict) -> None:
    report.read += len(batch) if batch.read is None else batch.read
    fmt.map(batch, opts)
    spec = get_spec(fmt.resource)
    if spec.has_geometry and not batch.geoms_checked:
        batch.geoms = conform(batch, batch.geoms, spec.geometry_kinds, report.repairs)
    _reject_duplicates(batch, seen, report.row_label)
    ids = batch.values.get("source_id")
    index = {int(r): i for i, r in enumerate(batch.rows)}  # a reject may name an input row this batch stands for
    report.rejects.extend(
        replace(r, source_id=ids[index[r.row]]) if ids is not None and r.row in index and r.source_id is None else r
        for r in batch.rejects
    )
    report.skipped += batch.skipped


def _count(report: ImportReport, result) -> None:
    report.inserted += result.inserted
    report.updated += result.updated


def _reject_duplicates(b: Batch, seen: dict[tuple[str, str], int], label: str) -> None:
    """A (source, source_id) pair may appear once per file; later rows are rejected."""
    keys = list(zip(b.values["source"], b.values["source_id"], strict=True))
    ok = np.flatnonzero(b.ok)
    repeated = np.fromiter((keys[i] in seen for i in ok), bool, len(ok))
    within = pd.Series([keys[i] for i in ok], dtype=object).duplicated().to_numpy()
    dup = np.zeros(len(b), bool)
    dup[ok[repeated | within]] = True
    fresh = ok[~(repeated | within)]
    seen.update(zip((keys[i] for i in fresh), b.rows[fresh].tolist(), strict=True))
    for i in np.flatnonzero(dup):  # a later duplicate within this batch points at its first row
        seen.setdefault(keys[i], int(b.rows[i]))
    b.reject(
        dup,
        "source_id",
        lambda i: f"duplicate id {keys[i][1]!r}: already at {label} {seen[keys[i]]}; the later row is not imported",
    )


def _take(values, keep: np.ndarray) -> list:
    """The kept rows of one column; lists may hold lists (array columns), so no numpy round trip."""
    if isinstance(values, np.ndarray):
        return values[keep].tolist()
    return [values[i] for i in keep.tolist()]


def _rows(b: Batch, geometry: bool = True) -> tuple[list[str], Iterator[tuple]]:
    keep = np.flatnonzero(b.ok)
    columns = list(b.values)
    cols = [_take(b.values[c], keep) for c in columns]
    if not geometry:
        return columns, zip(*cols, strict=True)
    geoms = geometry_to_ewkb_hex(np.asarray(b.geoms, dtype=object)[keep])
    return [*columns, "geom"], zip(*cols, geoms, strict=True)


def _linked(b: Batch) -> dict[str, list[tuple[str, str, list[int]]]]:
    """Each link the mapper filled (``batch.links``): (source, source_id, ids) of the kept rows."""
    keep = np.flatnonzero(b.ok).tolist()
    src, sid = b.values["source"], b.values["source_id"]
    return {prop: [(src[i], sid[i], lists[i]) for i in keep] for prop, lists in b.links.items()}


def point_geoms(
    b: Batch,
    opts: Options,
    lon: tuple[str, ...] = ("longitude", "lon", "lng", "x"),
    lat: tuple[str, ...] = ("latitude", "lat", "y"),
) -> None:
    """Points from a vector layer's geometry, or from checked longitude/latitude columns."""
    if b.geoms is not None:
        return
    cols = require_columns(b, opts, {"longitude": lon[1:], "latitude": lat[1:]}, f"{opts.resource} point")
    x, y = lonlat(
        b, b.col(cols["longitude"]), b.col(cols["latitude"]), lon_field=cols["longitude"], lat_field=cols["latitude"]
    )
    b.set_points(x, y)


def constant(b: Batch, opts: Options, fld: str, default=None) -> np.ndarray:
    return np.full(len(b), opts.constants.get(fld, default), dtype=object)


def put_source(b: Batch, opts: Options, source_ids, source: str | None = None) -> None:
    """``source`` + ``source_id`` make re-imports idempotent; rows without an id are rejected."""
    ids = np.asarray(source_ids, dtype=object)
    missing = np.fromiter((v is None or v == "" for v in ids), bool, len(ids))
    b.reject(missing, "source_id", "the row has no id, so a re-import could not find it again")
    b.values["source"] = np.full(len(b), opts.constants.get("source", source or opts.default_source), dtype=object)
    b.values["source_id"] = ids


def require_columns(b: Batch, opts: Options, needed: Mapping[str, tuple[str, ...]], what: str) -> dict[str, str]:
    """Resolve each field's column (``--map`` or the usual names); a missing
    one makes the whole file unusable, so it is an error, not a reject."""
    found, missing = {}, {}
    for fld, candidates in needed.items():
        col = opts.column(b.frame.columns, fld, *candidates)
        if col is None:
            missing[fld] = candidates
        else:
            found[fld] = col
    if missing:
        raise missing_columns(opts, missing, what)
    return found


def missing_columns(opts: Options, missing: Mapping[str, tuple[str, ...]], what: str) -> InvalidInput:
    """The error for a file without columns its format needs (each with the names looked for)."""
    names = [fld if not candidates else f"{fld} ({' or '.join(candidates)})" for fld, candidates in missing.items()]
    return InvalidInput(
        f"{opts.path.name} is not a {what} file: missing column(s) {', '.join(names)} (use --map field=column)",
        field=next(iter(missing)),
    )
