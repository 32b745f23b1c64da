"""Bulk loading with PostgreSQL ``COPY``: the demo generator, the importers and
the benchmarks all load through here.

Rows are streamed into a temporary table with ``COPY`` and then moved into
the target in one ``INSERT … ON CONFLICT (source, source_id) DO UPDATE``, so
a re-import updates rows instead of duplicating them, and a failure leaves
the caller's transaction to roll back with nothing half-written.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

import shapely
from sqlalchemy import Connection

from geo.db import driver_connection
from geo.models import SRID, Base, table_of


@dataclass
class BulkResult:
    inserted: int = 0
    updated: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated


def _chunks(rows: Iterable[Sequence], size: int) -> Iterator[list[Sequence]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def geometry_to_ewkb_hex(geoms) -> list[str]:
    """Shapely geometries → hex EWKB with SRID 4326, the text form COPY accepts."""
    arr = shapely.set_srid(geoms, SRID)
    return list(shapely.to_wkb(arr, hex=True, include_srid=True))


def bulk_upsert(
    conn: Connection,
    model: type[Base],
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    chunk_size: int = 100_000,
    upsert: bool = True,
) -> BulkResult:
    """Load ``rows`` (tuples in ``columns`` order) into ``model``'s table.

    The ``geom`` column, if listed, must hold hex EWKB strings (see
    :func:`geometry_to_ewkb_hex`); other values are adapted by psycopg
    (lists → arrays, dates, ``None`` → NULL). With ``upsert`` and both
    ``source`` and ``source_id`` among the columns, existing rows with the
    same pair are updated. The caller owns the transaction.
    """
    table = table_of(model).name
    cols = list(columns)
    unknown = [c for c in cols if c not in table_of(model).c]
    if unknown:
        raise ValueError(f"{table} has no column(s) {', '.join(unknown)}")
    col_sql = ", ".join(f'"{c}"' for c in cols)
    tmp = f"_bulk_{table}"
    raw = driver_connection(conn)
    result = BulkResult()
    with raw.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{tmp}"')
        cur.execute(f'CREATE TEMP TABLE "{tmp}" AS SELECT {col_sql} FROM "{table}" WITH NO DATA')
        keyed = upsert and "source" in cols and "source_id" in cols
        if keyed:
            updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in cols if c not in ("source", "source_id"))
            conflict = f"ON CONFLICT (source, source_id) DO UPDATE SET {updates}, updated_at = now()"
        else:
            conflict = ""
        for chunk in _chunks(rows, chunk_size):
            cur.execute(f'TRUNCATE "{tmp}"')
            with cur.copy(f'COPY "{tmp}" ({col_sql}) FROM STDIN') as copy:
                for row in chunk:
                    copy.write_row(row)
            cur.execute(
                f'INSERT INTO "{table}" ({col_sql}) SELECT {col_sql} FROM "{tmp}" {conflict} RETURNING (xmax = 0)'
            )
            flags = cur.fetchall()
            ins = sum(1 for (f,) in flags if f)
            result.inserted += ins
            result.updated += len(flags) - ins
        cur.execute(f'DROP TABLE IF EXISTS "{tmp}"')
    return result
