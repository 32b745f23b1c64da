"""analysis change log: who was heard (interlocutors and their engagements)

The engagement-gap reason "only one interlocutor heard" (docs/politics.md#sole-voice)
reads ``interlocutors`` and ``engagement_interlocutors``, which the change log
did not cover, so the result cache read that reason again in every new
snapshot (about 11 ms of each refresh at reference scale). With both tables
logged like the analysed ones (every insert, update, delete and truncate),
the cache reads it again only when one of the tables it reads changed.

``interlocutors`` use the functions of migrations 0002 and 0007 (the ids of
the rows touched). ``engagement_interlocutors`` has no ``id``: its rows are
logged by the ids of the engagements they link (an update logs the old and
the new one), with functions of their own.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINKS = "engagement_interlocutors"

LINK_FUNCTIONS = """
CREATE FUNCTION analysis_log_link_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analysis_changes (txid, table_name, op, row_ids)
  SELECT pg_current_xact_id()::text::bigint, TG_TABLE_NAME, 'INSERT', array_agg(DISTINCT engagement_id) FROM new_rows
  HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE FUNCTION analysis_log_link_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analysis_changes (txid, table_name, op, row_ids)
  SELECT pg_current_xact_id()::text::bigint, TG_TABLE_NAME, 'UPDATE', array_agg(DISTINCT engagement_id)
    FROM (SELECT engagement_id FROM new_rows UNION ALL SELECT engagement_id FROM old_rows) changed
  HAVING count(*) > 0;
  RETURN NULL;
END $$;
CREATE FUNCTION analysis_log_link_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analysis_changes (txid, table_name, op, row_ids)
  SELECT pg_current_xact_id()::text::bigint, TG_TABLE_NAME, 'DELETE', array_agg(DISTINCT engagement_id) FROM old_rows
  HAVING count(*) > 0;
  RETURN NULL;
END $$;
"""


def _triggers(table: str, prefix: str) -> str:
    return f"""
CREATE TRIGGER analysis_log_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_insert();
CREATE TRIGGER analysis_log_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_update();
CREATE TRIGGER analysis_log_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_delete();
CREATE TRIGGER analysis_log_truncate AFTER TRUNCATE ON {table}
  FOR EACH STATEMENT EXECUTE FUNCTION analysis_log_truncate();
"""


def upgrade() -> None:
    op.execute(LINK_FUNCTIONS)
    op.execute(_triggers("interlocutors", "analysis_log"))
    op.execute(_triggers(LINKS, "analysis_log_link"))


def downgrade() -> None:
    for table in ("interlocutors", LINKS):
        for name in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER analysis_log_{name} ON {table}")
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP FUNCTION analysis_log_link_{name}()")
