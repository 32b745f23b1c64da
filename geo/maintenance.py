"""Keeping the tables quick to read: each geometry table's rows stored in
the order of its spatial index (``peacemap maintain``; README, "Operations").

Why: a bbox page counts and reads every feature in the box. Rows loaded in
id order (a demo, an import, a year of field reports) lie scattered over
the table: at reference scale a 1° box held ≈ 25 000 incidents on ≈ 18 000
of the table's 38 000 8 kB blocks, so each page read half the table from
the operating system's cache. ``CLUSTER … USING`` the GiST index rewrites
the table in that index's order (PostGIS builds it along a space-filling
curve), so neighbours share blocks: the same box then spans ≈ 1 200 blocks
(bench/README.md, "Feature serving"). Results are unchanged — only where
rows are stored moves, never a value or an id.

What it costs: ``CLUSTER`` holds an ACCESS EXCLUSIVE lock on the table
while it rewrites it and its indexes — no read or write of that table
waits less (≈ 12 s for 1 000 000 incidents on the 2-core reference machine)
— and needs free disk for a second copy of the table and its indexes. Run it
after bulk loads (``peacemap demo load`` does), not while users work. Rows
written later go where there is room, so the order decays slowly with
edits; running it again restores it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, text

from geo.errors import InvalidInput
from geo.resources import REGISTRY

# The single-column GiST index on a table's ``geom`` (the one every geometry
# table has; its name is GeoAlchemy2's, read from the catalog, not assumed).
_GIST_INDEX = text(
    """
    SELECT ic.relname
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ic.relam
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE i.indrelid = CAST(:table AS regclass) AND am.amname = 'gist' AND a.attname = 'geom'
      AND i.indnatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL
    ORDER BY ic.relname
    LIMIT 1
    """
)


@dataclass(frozen=True)
class Clustered:
    """One table rewritten in its spatial index's order: ``rows`` (as
    ANALYZE counted them after) and the ``seconds`` the lock was held."""

    table: str
    index: str
    rows: int
    seconds: float


def geometry_tables(names: Sequence[str] | None = None) -> list[str]:
    """The tables of the resources with a geometry, or of ``names`` (resource
    names; one without a geometry or not a resource is refused)."""
    if not names:
        return [spec.table for spec in REGISTRY.values() if spec.has_geometry]
    tables = []
    for name in names:
        spec = REGISTRY.get(name)
        if spec is None or not spec.has_geometry:
            offered = ", ".join(s.name for s in REGISTRY.values() if s.has_geometry)
            raise InvalidInput(f"{name!r} is not a resource with a geometry; one of {offered}", field="table")
        tables.append(spec.table)
    return tables


def cluster_by_geometry(engine: Engine, names: Sequence[str] | None = None) -> list[Clustered]:
    """Rewrite each geometry table (or the resources ``names``) in the order
    of its GiST index, then ANALYZE it (see the module docstring for why and
    what it locks).

    Parameters
    ----------
    engine
        The database; each table is clustered in a transaction of its own,
        so its lock is held only while that table is rewritten.
    names
        Resource names (``incidents``, …); default: every resource with a
        geometry.

    Returns
    -------
    list of Clustered
        One per table, in the order done.
    """
    done = []
    for table in geometry_tables(names):
        with engine.begin() as conn:
            index = conn.scalar(_GIST_INDEX, {"table": table})
            if index is None:  # every migrated geometry table has one; a hand-made database may not
                raise InvalidInput(f"{table} has no GiST index on geom to order it by", field="table")
            quote = conn.dialect.identifier_preparer.quote
            started = time.perf_counter()
            conn.execute(text(f"CLUSTER {quote(table)} USING {quote(index)}"))
            conn.execute(text(f"ANALYZE {quote(table)}"))
            seconds = time.perf_counter() - started
            rows = conn.scalar(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": table})
        done.append(Clustered(table, index, max(0, int(rows or 0)), seconds))
    return done
