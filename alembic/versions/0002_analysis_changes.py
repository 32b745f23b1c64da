"""analysis change log: statement-level triggers on the analysed tables

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("incidents", "patrols", "engagements", "qips", "sites", "communities")

# One row per writing statement: the writer's transaction id (so a reader can
# ask "committed since my snapshot?" even when transactions commit out of
# order), the table, the operation and, for inserts, the new ids.
FUNCTIONS = """
CREATE FUNCTION analysis_log_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analysis_changes (txid, table_name, op, row_ids)
  SELECT pg_current_xact_id()::text::bigint, TG_TABLE_NAME, 'INSERT', array_agg(id) FROM new_rows
  HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE FUNCTION analysis_log_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows) THEN
    INSERT INTO analysis_changes (txid, table_name, op) VALUES (pg_current_xact_id()::text::bigint, TG_TABLE_NAME, 'UPDATE');
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION analysis_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM old_rows) THEN
    INSERT INTO analysis_changes (txid, table_name, op) VALUES (pg_current_xact_id()::text::bigint, TG_TABLE_NAME, 'DELETE');
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION analysis_log_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analysis_changes (txid, table_name, op) VALUES (pg_current_xact_id()::text::bigint, TG_TABLE_NAME, 'TRUNCATE');
  RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "analysis_changes",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("op", sa.String(length=10), nullable=False),
        sa.Column("row_ids", postgresql.ARRAY(sa.BigInteger()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_changes")),
    )
    op.create_index("ix_analysis_changes_txid", "analysis_changes", ["txid"], unique=False)
    op.execute(FUNCTIONS)
    for t in TABLES:
        op.execute(f"""
CREATE TRIGGER analysis_log_insert AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION analysis_log_insert();
CREATE TRIGGER analysis_log_update AFTER UPDATE ON {t} REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION analysis_log_update();
CREATE TRIGGER analysis_log_delete AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION analysis_log_delete();
CREATE TRIGGER analysis_log_truncate AFTER TRUNCATE ON {t}
  FOR EACH STATEMENT EXECUTE FUNCTION analysis_log_truncate();
""")


def downgrade() -> None:
    for t in TABLES:
        for name in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER analysis_log_{name} ON {t}")
    for name in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP FUNCTION analysis_log_{name}()")
    op.drop_index("ix_analysis_changes_txid", table_name="analysis_changes")
    op.drop_table("analysis_changes")
