"""supported dates: every stored date and time within 1900-01-01 … 2100-12-31 (UTC)

The range is declared once in geo/dates.py (docs/analysis.md#supported-dates);
these are its CHECK constraints, written out as the models generate them
(geo/columns.py ``dated``), frozen here as migrations are.

Rows stored before this migration are not rewritten: each constraint is added
NOT VALID (new and updated rows are checked at once) and then validated when
no stored row is outside the range. Where some are, the constraint stays
unvalidated and a warning names it; the analysis reads such rows exactly
(day numbers, not nanoseconds), so an ``active_to`` of 9999-12-31 still
means "open" there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:00:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

DAYS = "BETWEEN '1900-01-01' AND '2100-12-31'"
INSTANTS = "{c} >= '1900-01-01 00:00:00+00' AND {c} < '2101-01-01 00:00:00+00'"

# (table, column, nullable, timestamp)
COLUMNS = (
    ("agreements", "signed_on", True, False),
    ("incidents", "occurred_on", False, False),
    ("sites", "active_from", True, False),
    ("sites", "active_to", True, False),
    ("patrols", "started_at", False, True),
    ("patrols", "ended_at", False, True),
    ("engagements", "occurred_at", False, True),
    ("qips", "start_on", True, False),
    ("qips", "end_on", True, False),
)


def _condition(column: str, nullable: bool, timestamp: bool) -> str:
    expr = INSTANTS.format(c=column) if timestamp else f"{column} {DAYS}"
    return f"{column} IS NULL OR ({expr})" if nullable else expr


def upgrade() -> None:
    conn = op.get_bind()
    for table, column, nullable, timestamp in COLUMNS:
        name = f"ck_{table}_{column}_range"
        condition = _condition(column, nullable, timestamp)
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition}) NOT VALID")
        outside = conn.scalar(sa.text(f"SELECT count(*) FROM {table} WHERE NOT ({condition})"))
        if outside:
            log.warning(
                "%s: %d stored row(s) have %s outside 1900-01-01 … 2100-12-31; %s checks new writes only "
                "until they are corrected (then: ALTER TABLE %s VALIDATE CONSTRAINT %s)",
                table,
                outside,
                column,
                name,
                table,
                name,
            )
        else:
            op.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")


def downgrade() -> None:
    for table, column, _, _ in COLUMNS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ck_{table}_{column}_range")
