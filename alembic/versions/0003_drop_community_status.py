"""drop community_status: a table nothing wrote

The admin-area choropleth joined it and always showed a null under-engaged
count; it now counts from the cached analysis (geo/analysis/areas.py), so the
table goes. Downgrade recreates it as migration 0001 made it (empty).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("community_status")


def downgrade() -> None:
    op.create_table(
        "community_status",
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("last_engagement_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_engagement_kind", sa.String(length=20), nullable=True),
        sa.Column("last_engagement_id", sa.BigInteger(), nullable=True),
        sa.Column("days_since_engagement", sa.Integer(), nullable=True),
        sa.Column("incidents_window", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fatalities_window", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pressure", sa.Float(), server_default="0", nullable=False),
        sa.Column("distance_to_site_m", sa.Float(), nullable=True),
        sa.Column("gap_score", sa.Float(), server_default="0", nullable=False),
        sa.Column("under_engaged", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("reasons", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_community_status_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_community_status")),
    )
