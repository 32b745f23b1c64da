"""analysis change log: the ids of updated and deleted rows too

Migration 0002 logged the ids of inserted rows only, so any update or
delete forced the cache into a full recomputation. The analysis now keeps
its inputs resident (geo/analysis/resident.py) and applies every change row
by row: it needs the ids of the rows an UPDATE or DELETE touched (an update
that changes an id logs the old and the new one). TRUNCATE still logs no
ids: the table is read again whole.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose changes the log records (0002's six, 0005's four): the
# update function below reads the old rows too, so each update trigger must pass them.
TABLES = (
    "incidents",
    "patrols",
    "engagements",
    "qips",
    "sites",
    "communities",
    "roads",
    "waterways",
    "crossings",
    "rasters",
)

FUNCTIONS = """
CREATE OR REPLACE FUNCTION analysis_log_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analysis_changes (txid, table_name, op, row_ids)
  SELECT pg_current_xact_id()::text::bigint, TG_TABLE_NAME, 'UPDATE', array_agg(DISTINCT id)
    FROM (SELECT id FROM new_rows UNION ALL SELECT id FROM old_rows) changed
  HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION analysis_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analysis_changes (txid, table_name, op, row_ids)
  SELECT pg_current_xact_id()::text::bigint, TG_TABLE_NAME, 'DELETE', array_agg(id) FROM old_rows
  HAVING count(*) > 0;
  RETURN NULL;
END $$;
"""

OLD_FUNCTIONS = """
CREATE OR REPLACE FUNCTION analysis_log_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows) THEN
    INSERT INTO analysis_changes (txid, table_name, op) VALUES (pg_current_xact_id()::text::bigint, TG_TABLE_NAME, 'UPDATE');
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION analysis_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM old_rows) THEN
    INSERT INTO analysis_changes (txid, table_name, op) VALUES (pg_current_xact_id()::text::bigint, TG_TABLE_NAME, 'DELETE');
  END IF;
  RETURN NULL;
END $$;
"""


def _update_triggers(referencing: str) -> None:
    for t in TABLES:
        op.execute(f"""
DROP TRIGGER analysis_log_update ON {t};
CREATE TRIGGER analysis_log_update AFTER UPDATE ON {t} REFERENCING {referencing}
  FOR EACH STATEMENT EXECUTE FUNCTION analysis_log_update();
""")


def upgrade() -> None:
    op.execute(FUNCTIONS)
    _update_triggers("OLD TABLE AS old_rows NEW TABLE AS new_rows")


def downgrade() -> None:
    _update_triggers("NEW TABLE AS new_rows")
    op.execute(OLD_FUNCTIONS)
