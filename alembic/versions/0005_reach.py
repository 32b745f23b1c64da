"""reach: roads, waterways, crossings and the raster catalogue, with the
analysis change-log triggers on them

A new road, crossing, waterway or raster changes travel times and population
estimates, so the cached analyses must see it: the four tables get the
statement-level triggers of migration 0002 (its functions are reused).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:30:59.571250
"""

from collections.abc import Sequence

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOGGED = ("roads", "waterways", "crossings", "rasters")  # the analysis_log_* functions come from 0002


def upgrade() -> None:
    op.create_geospatial_table(
        "crossings",
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("seasonal", sa.Boolean(), server_default="false", nullable=False),
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
        sa.CheckConstraint("GeometryType(geom) IN ('POINT')", name=op.f("ck_crossings_geom_type")),
        sa.CheckConstraint("kind IN ('bridge', 'ferry', 'ford')", name=op.f("ck_crossings_kind_allowed")),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_XMin(geom) >= -180 AND ST_XMax(geom) <= 180 AND ST_YMin(geom) >= -90 AND ST_YMax(geom) <= 90",
            name=op.f("ck_crossings_geom_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crossings")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_crossings_source_source_id")),
    )
    op.create_geospatial_index(
        "idx_crossings_geom", "crossings", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_table(
        "rasters",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("file", sa.String(length=300), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("crs", sa.Text(), nullable=False),
        sa.Column("transform", postgresql.ARRAY(sa.Float()), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("dtype", sa.String(length=20), nullable=False),
        sa.Column("nodata", sa.Float(), nullable=True),
        sa.Column("units", sa.String(length=20), nullable=False),
        sa.Column("west", sa.Float(), nullable=False),
        sa.Column("south", sa.Float(), nullable=False),
        sa.Column("east", sa.Float(), nullable=False),
        sa.Column("north", sa.Float(), nullable=False),
        sa.Column("source_file", sa.String(length=300), nullable=False),
        sa.Column("source_checksum", sa.String(length=64), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint("kind IN ('friction', 'population', 'landcover')", name=op.f("ck_rasters_kind_allowed")),
        sa.CheckConstraint(
            "units IN ('minutes_per_metre', 'people_per_cell', 'people_per_km2', 'igbp_class')",
            name=op.f("ck_rasters_units_allowed"),
        ),
        sa.CheckConstraint(
            "(west BETWEEN -180 AND 180) AND (south BETWEEN -90 AND 90) AND (east BETWEEN -180 AND 180) AND (north BETWEEN -90 AND 90)",
            name=op.f("ck_rasters_bounds_range"),
        ),
        sa.CheckConstraint("(width >= 1) AND (height >= 1)", name=op.f("ck_rasters_size_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rasters")),
    )
    op.create_geospatial_table(
        "roads",
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("ref", sa.String(length=50), nullable=True),
        sa.Column("highway", sa.String(length=20), nullable=False),
        sa.Column("surface", sa.String(length=10), nullable=True),
        sa.Column("bridge", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTILINESTRING",
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
        sa.CheckConstraint("GeometryType(geom) IN ('MULTILINESTRING')", name=op.f("ck_roads_geom_type")),
        sa.CheckConstraint(
            "highway IN ('motorway', 'trunk', 'primary', 'secondary', 'tertiary', 'unclassified', 'residential', 'service', 'track', 'path')",
            name=op.f("ck_roads_highway_allowed"),
        ),
        sa.CheckConstraint(
            "surface IS NULL OR surface IN ('paved', 'gravel', 'earth')", name=op.f("ck_roads_surface_allowed")
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_XMin(geom) >= -180 AND ST_XMax(geom) <= 180 AND ST_YMin(geom) >= -90 AND ST_YMax(geom) <= 90",
            name=op.f("ck_roads_geom_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roads")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_roads_source_source_id")),
    )
    op.create_geospatial_index(
        "idx_roads_geom", "roads", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_geospatial_table(
        "waterways",
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=20), server_default="river", nullable=False),
        sa.Column("seasonal", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "geom",
            Geometry(
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
        sa.CheckConstraint(
            "GeometryType(geom) IN ('MULTILINESTRING', 'MULTIPOLYGON')", name=op.f("ck_waterways_geom_type")
        ),
        sa.CheckConstraint(
            "kind IN ('river', 'stream', 'canal', 'lake', 'reservoir', 'wetland')",
            name=op.f("ck_waterways_kind_allowed"),
        ),
        sa.CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_XMin(geom) >= -180 AND ST_XMax(geom) <= 180 AND ST_YMin(geom) >= -90 AND ST_YMax(geom) <= 90",
            name=op.f("ck_waterways_geom_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waterways")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_waterways_source_source_id")),
    )
    op.create_geospatial_index(
        "idx_waterways_geom", "waterways", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    for t in LOGGED:
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
    for t in LOGGED:
        for name in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER analysis_log_{name} ON {t}")
    op.drop_geospatial_index("idx_waterways_geom", table_name="waterways", postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("waterways")
    op.drop_geospatial_index("idx_roads_geom", table_name="roads", postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("roads")
    op.drop_table("rasters")
    op.drop_geospatial_index("idx_crossings_geom", table_name="crossings", postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("crossings")
