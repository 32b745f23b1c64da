"""who was heard, local agreements, perceptions (issue 11)

Interlocutors (a resource without geometry) and their many-to-many link to
engagements; each agreement's status history, written by a trigger on every
insert and status change (and filled with today's status for the agreements
already stored), so a change of status is kept, never overwritten;
perception-survey results (docs/politics.md).

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-01 22:31:41.729285
"""

from collections.abc import Sequence

import sqlalchemy as sa
from geoalchemy2 import Geometry

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The writer is named by the application for the transaction
# (set_config('peacemap.actor', …, true)); a write made outside it (psql)
# records the database user.
STATUS_HISTORY = """
CREATE FUNCTION agreement_status_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO agreement_status_history (agreement_id, status, previous_status, changed_by)
    VALUES (NEW.id, NEW.status, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END,
            coalesce(nullif(current_setting('peacemap.actor', true), ''), current_user));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER agreement_status_log AFTER INSERT OR UPDATE OF status ON agreements
  FOR EACH ROW EXECUTE FUNCTION agreement_status_log();
INSERT INTO agreement_status_history (agreement_id, status, changed_at, changed_by)
  SELECT id, status, updated_at, 'migration 0006 (status when the history began)' FROM agreements;
"""


def upgrade() -> None:
    op.create_table(
        "agreement_status_history",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("agreement_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("previous_status", sa.String(length=20), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_status_history_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_status_history")),
    )
    op.create_index(
        op.f("ix_agreement_status_history_agreement_id"), "agreement_status_history", ["agreement_id"], unique=False
    )
    op.create_table(
        "interlocutors",
        sa.Column("pseudonym", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("gender", sa.String(length=10), server_default="unknown", nullable=False),
        sa.Column("age_band", sa.String(length=10), server_default="unknown", nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "age_band IN ('under_18', '18_29', '30_44', '45_59', '60_plus', 'unknown')",
            name=op.f("ck_interlocutors_age_band_allowed"),
        ),
        sa.CheckConstraint(
            "gender IN ('female', 'male', 'other', 'unknown')", name=op.f("ck_interlocutors_gender_allowed")
        ),
        sa.CheckConstraint(
            "role IN ('local_authority', 'traditional_leader', 'religious_leader', 'womens_association', 'youth_group', 'displaced_committee', 'armed_group_representative', 'civil_society', 'other')",
            name=op.f("ck_interlocutors_role_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_interlocutors_community_id_communities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interlocutors")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_interlocutors_source_source_id")),
    )
    op.create_index(op.f("ix_interlocutors_community_id"), "interlocutors", ["community_id"], unique=False)
    op.create_geospatial_table(
        "perceptions",
        sa.Column("survey", sa.String(length=200), nullable=False),
        sa.Column("wave", sa.String(length=50), nullable=False),
        sa.Column("fielded_on", sa.Date(), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.CheckConstraint("GeometryType(geom) IN ('POINT')", name=op.f("ck_perceptions_geom_type")),
        sa.CheckConstraint(
            "indicator IN ('trust_in_mission', 'feeling_of_safety', 'knowledge_of_mandate', 'satisfaction_with_protection', 'trust_in_local_authorities', 'other')",
            name=op.f("ck_perceptions_indicator_allowed"),
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_XMin(geom) >= -180 AND ST_XMax(geom) <= 180 AND ST_YMin(geom) >= -90 AND ST_YMax(geom) <= 90",
            name=op.f("ck_perceptions_geom_valid"),
        ),
        sa.CheckConstraint(
            "fielded_on BETWEEN '1900-01-01' AND '2100-12-31'", name=op.f("ck_perceptions_fielded_on_range")
        ),
        sa.CheckConstraint("sample_size >= 1", name=op.f("ck_perceptions_sample_size_range")),
        sa.CheckConstraint("value BETWEEN 0 AND 1", name=op.f("ck_perceptions_value_range")),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_perceptions_community_id_communities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_perceptions")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_perceptions_source_source_id")),
    )
    op.create_geospatial_index(
        "idx_perceptions_geom", "perceptions", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(op.f("ix_perceptions_community_id"), "perceptions", ["community_id"], unique=False)
    op.create_index(op.f("ix_perceptions_fielded_on"), "perceptions", ["fielded_on"], unique=False)
    op.create_table(
        "engagement_interlocutors",
        sa.Column("engagement_id", sa.BigInteger(), nullable=False),
        sa.Column("interlocutor_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_engagement_interlocutors_engagement_id_engagements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interlocutor_id"],
            ["interlocutors.id"],
            name=op.f("fk_engagement_interlocutors_interlocutor_id_interlocutors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("engagement_id", "interlocutor_id", name=op.f("pk_engagement_interlocutors")),
    )
    op.create_index(
        op.f("ix_engagement_interlocutors_interlocutor_id"),
        "engagement_interlocutors",
        ["interlocutor_id"],
        unique=False,
    )
    op.execute(STATUS_HISTORY)


def downgrade() -> None:
    op.execute("DROP TRIGGER agreement_status_log ON agreements; DROP FUNCTION agreement_status_log();")
    op.drop_index(op.f("ix_engagement_interlocutors_interlocutor_id"), table_name="engagement_interlocutors")
    op.drop_table("engagement_interlocutors")
    op.drop_index(op.f("ix_perceptions_fielded_on"), table_name="perceptions")
    op.drop_index(op.f("ix_perceptions_community_id"), table_name="perceptions")
    op.drop_geospatial_index(
        "idx_perceptions_geom", table_name="perceptions", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("perceptions")
    op.drop_index(op.f("ix_interlocutors_community_id"), table_name="interlocutors")
    op.drop_table("interlocutors")
    op.drop_index(op.f("ix_agreement_status_history_agreement_id"), table_name="agreement_status_history")
    op.drop_table("agreement_status_history")
