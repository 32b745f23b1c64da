"""The data model (DESIGN §4). Storage is EPSG:4326; distances are metres.

The schema itself is created only by the Alembic migrations; a test checks
that these models and the migrations agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geo import vocab

SRID = 4326

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Base(DeclarativeBase):
    metadata = metadata


def _in(column: str, values: tuple[str, ...], name: str | None = None, nullable: bool = False) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    expr = f"{column} IN ({allowed})"
    if nullable:
        expr = f"{column} IS NULL OR {expr}"
    return CheckConstraint(expr, name=name or f"{column}_allowed")


def _array_in(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} <@ ARRAY[{allowed}]::text[]", name=f"{column}_allowed")


def _geom_valid(types: tuple[str, ...]) -> list[CheckConstraint]:
    allowed = ", ".join(f"'{t}'" for t in types)
    return [
        CheckConstraint(
            "ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_XMin(geom) >= -180 AND "
            "ST_XMax(geom) <= 180 AND ST_YMin(geom) >= -90 AND ST_YMax(geom) <= 90",
            name="geom_valid",
        ),
        CheckConstraint(f"GeometryType(geom) IN ({allowed})", name="geom_type"),
    ]


class Tracked:
    """Columns every stored record carries (DESIGN §4)."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )
    created_by: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(200))
    source_id: Mapped[str | None] = mapped_column(String(200))


class AdminArea(Tracked, Base):
    __tablename__ = "admin_areas"
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    pcode: Mapped[str | None] = mapped_column(String(50), index=True)
    parent_pcode: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(3))
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        CheckConstraint("level BETWEEN 0 AND 5", name="level_range"),
        *_geom_valid(("MULTIPOLYGON",)),
    )


class Community(Tracked, Base):
    __tablename__ = "communities"
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, server_default="village")
    population: Mapped[int | None] = mapped_column(Integer)
    pcode: Mapped[str | None] = mapped_column(String(50))
    admin_area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id", ondelete="SET NULL"), index=True)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        _in("kind", vocab.COMMUNITY_KINDS),
        CheckConstraint("population IS NULL OR population >= 0", name="population_nonnegative"),
        *_geom_valid(("POINT",)),
    )


class Site(Tracked, Base):
    __tablename__ = "sites"
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    mission: Mapped[str | None] = mapped_column(String(50))
    active_from: Mapped[date | None] = mapped_column(Date)
    active_to: Mapped[date | None] = mapped_column(Date)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        _in("kind", vocab.SITE_KINDS),
        CheckConstraint("active_to IS NULL OR active_from IS NULL OR active_to >= active_from", name="active_order"),
        *_geom_valid(("POINT",)),
    )


class Incident(Tracked, Base):
    __tablename__ = "incidents"
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    date_precision: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="1")
    event_type: Mapped[str] = mapped_column(String(40), nullable=False)
    sub_event_type: Mapped[str | None] = mapped_column(String(100))
    actor1: Mapped[str | None] = mapped_column(String(300))
    actor2: Mapped[str | None] = mapped_column(String(300))
    fatalities: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    civilian_targeting: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    targets_mission: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    geo_precision: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="1")
    location_name: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        _in("event_type", vocab.EVENT_TYPES),
        CheckConstraint("fatalities >= 0", name="fatalities_nonnegative"),
        CheckConstraint("geo_precision BETWEEN 1 AND 3", name="geo_precision_range"),
        CheckConstraint("date_precision BETWEEN 1 AND 5", name="date_precision_range"),
        *_geom_valid(("POINT",)),
    )


class Agreement(Tracked, Base):
    __tablename__ = "agreements"
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    signed_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="in_force")
    parties: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    issues: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    facilitated_by: Mapped[str | None] = mapped_column(String(200))
    pax_id: Mapped[str | None] = mapped_column(String(50))
    geom: Mapped[Any] = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=True), nullable=False)
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        _in("status", vocab.AGREEMENT_STATUSES),
        _array_in("issues", vocab.AGREEMENT_ISSUES),
        *_geom_valid(("MULTIPOLYGON", "POINT")),
    )


class Patrol(Tracked, Base):
    __tablename__ = "patrols"
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    patrol_type: Mapped[str] = mapped_column(String(20), nullable=False)
    component: Mapped[str] = mapped_column(String(20), nullable=False)
    unit: Mapped[str | None] = mapped_column(String(200))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    coverage_m: Mapped[float | None] = mapped_column(Float)
    geom: Mapped[Any] = mapped_column(Geometry("MULTILINESTRING", srid=SRID, spatial_index=True), nullable=False)
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        _in("patrol_type", vocab.PATROL_TYPES),
        _in("component", vocab.COMPONENTS),
        CheckConstraint("ended_at >= started_at", name="time_order"),
        CheckConstraint("coverage_m IS NULL OR (coverage_m > 0 AND coverage_m <= 100000)", name="coverage_range"),
        *_geom_valid(("MULTILINESTRING",)),
    )


class Engagement(Tracked, Base):
    __tablename__ = "engagements"
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="SET NULL"), index=True)
    constituencies: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    participants_women: Mapped[int | None] = mapped_column(Integer)
    participants_men: Mapped[int | None] = mapped_column(Integer)
    participants_total: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        _in("kind", vocab.ENGAGEMENT_KINDS),
        _array_in("constituencies", vocab.CONSTITUENCIES),
        CheckConstraint(
            "(participants_women IS NULL OR participants_women >= 0) AND "
            "(participants_men IS NULL OR participants_men >= 0) AND "
            "(participants_total IS NULL OR participants_total >= 0)",
            name="participants_nonnegative",
        ),
        *_geom_valid(("POINT",)),
    )


class Qip(Tracked, Base):
    __tablename__ = "qips"
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    sector: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="proposed")
    budget_usd: Mapped[float | None] = mapped_column(Float)
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    implementing_partner: Mapped[str | None] = mapped_column(String(300))
    funded_by: Mapped[str | None] = mapped_column(String(20))
    beneficiaries: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="SET NULL"), index=True)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        _in("sector", vocab.QIP_SECTORS),
        _in("status", vocab.QIP_STATUSES),
        _in("funded_by", vocab.QIP_FUNDERS, nullable=True),
        CheckConstraint(
            f"budget_usd IS NULL OR (budget_usd >= 0 AND budget_usd <= {vocab.QIP_MAX_BUDGET_USD})",
            name="budget_range",
        ),
        CheckConstraint("end_on IS NULL OR start_on IS NULL OR end_on >= start_on", name="date_order"),
        CheckConstraint("beneficiaries IS NULL OR beneficiaries >= 0", name="beneficiaries_nonnegative"),
        *_geom_valid(("POINT",)),
    )


class AnalysisChange(Base):
    """One row per statement that wrote to an analysed table (filled by the
    triggers of migration 0002): the writer's transaction id, so a cached
    analysis can ask what committed since its snapshot, and for inserts the
    new ids, so it can update only the communities near them."""

    __tablename__ = "analysis_changes"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    txid: Mapped[int] = mapped_column(BigInteger, nullable=False, index=True)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    op: Mapped[str] = mapped_column(String(10), nullable=False)
    row_ids: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(10), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (_in("role", vocab.ROLES),)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    key_name: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    resource: Mapped[str] = mapped_column(String(40), nullable=False)
    resource_id: Mapped[int | None] = mapped_column(BigInteger)
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
    __table_args__ = (Index("ix_audit_log_resource_resource_id", "resource", "resource_id"),)


# Resource name (as in the URL) → model: the one registry the API, the
# importers, the exporters and the OGC collections share.
RESOURCES: dict[str, type[Base]] = {
    "incidents": Incident,
    "agreements": Agreement,
    "patrols": Patrol,
    "engagements": Engagement,
    "qips": Qip,
    "communities": Community,
    "sites": Site,
    "admin-areas": AdminArea,
}
