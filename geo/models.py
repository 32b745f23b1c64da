"""The data model. Storage is EPSG:4326; distances are metres.

The schema itself is created only by the Alembic migrations; a test checks
that these models and the migrations agree. Columns with rules (a
vocabulary, a range, an order, geometry kinds) are built with the
constructors of ``geo.columns``, which also generate their CHECK constraints.
The resources the API serves are declared in ``geo.resources``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from geo import vocab
from geo.columns import add_checks, bounded, dated, geometry, not_before, text_array, vocabulary, vocabulary_array
from geo.geometry import SRID as SRID  # the storage CRS, re-exported for the modules that query geometries

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
    """Every model's CHECK constraints come from its columns' rules (``geo.columns``)."""

    metadata = metadata

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        table = cls.__dict__.get("__table__")
        if isinstance(table, Table):  # a mapped class (not an abstract base)
            add_checks(table)


def table_of(model: type[Base]) -> Table:
    """A mapped class's Table (SQLAlchemy types ``__table__`` as any FromClause)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a Table")
    return table


class Tracked:
    """Columns every stored record carries; ``source`` + ``source_id`` find a
    record again when its file is imported once more."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )
    created_by: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(200))
    source_id: Mapped[str | None] = mapped_column(String(200))


class Feature(Tracked, Base):
    """A tracked record: every resource's model (``geo.resources``). Most have
    a geometry; a model without a ``geom`` column is attribute-only
    (``ResourceSpec.has_geometry``), and code reaches ``geom`` only behind
    that test."""

    __abstract__ = True
    if TYPE_CHECKING:  # each model with a geometry declares its own, with its kinds (geo.columns.geometry)
        geom: Mapped[Any]


READ_ONLY = ("id", "created_at", "updated_at", "created_by")
"""The :class:`Tracked` fields the server sets: a client never writes them
(sent back by a client that round-trips a feature, they are ignored)."""


class AdminArea(Feature):
    __tablename__ = "admin_areas"
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    level: Mapped[int] = bounded(SmallInteger, 0, 5, nullable=False)
    pcode: Mapped[str | None] = mapped_column(String(50), index=True)
    parent_pcode: Mapped[str | None] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(3))
    geom: Mapped[Any] = geometry("MULTIPOLYGON")


class Community(Feature):
    __tablename__ = "communities"
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = vocabulary(vocab.COMMUNITY_KINDS, 20, nullable=False, server_default="village")
    population: Mapped[int | None] = bounded(Integer, 0)
    pcode: Mapped[str | None] = mapped_column(String(50))
    admin_area_id: Mapped[int | None] = mapped_column(ForeignKey("admin_areas.id", ondelete="SET NULL"), index=True)
    geom: Mapped[Any] = geometry("POINT")


class Site(Feature):
    __tablename__ = "sites"
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = vocabulary(vocab.SITE_KINDS, 20, nullable=False)
    mission: Mapped[str | None] = mapped_column(String(50))
    active_from: Mapped[date | None] = dated(Date)
    active_to: Mapped[date | None] = not_before("active_from", Date, check="active_order")
    geom: Mapped[Any] = geometry("POINT")


class Incident(Feature):
    __tablename__ = "incidents"
    occurred_on: Mapped[date] = dated(Date, happened=True, nullable=False, index=True)
    date_precision: Mapped[int] = bounded(
        SmallInteger, 1, 5, nullable=False, server_default="1", doc="1 exact day … 5 year"
    )
    event_type: Mapped[str] = vocabulary(vocab.EVENT_TYPES, 40, nullable=False)
    sub_event_type: Mapped[str | None] = mapped_column(String(100))
    actor1: Mapped[str | None] = mapped_column(String(300))
    actor2: Mapped[str | None] = mapped_column(String(300))
    fatalities: Mapped[int] = bounded(Integer, 0, nullable=False, server_default="0")
    civilian_targeting: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    targets_mission: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    geo_precision: Mapped[int] = bounded(
        SmallInteger,
        1,
        3,
        nullable=False,
        server_default="1",
        doc="1 exact town, 2 near/part of region, 3 region centroid",
    )
    location_name: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[Any] = geometry("POINT")


class Agreement(Feature):
    __tablename__ = "agreements"
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    signed_on: Mapped[date | None] = dated(Date, happened=True, index=True)
    status: Mapped[str] = vocabulary(vocab.AGREEMENT_STATUSES, 20, nullable=False, server_default="in_force")
    parties: Mapped[list[str]] = text_array(max_items=50, item_max_length=300)
    issues: Mapped[list[str]] = vocabulary_array(vocab.AGREEMENT_ISSUES)
    facilitated_by: Mapped[str | None] = mapped_column(String(200))
    pax_id: Mapped[str | None] = mapped_column(String(50))
    geom: Mapped[Any] = geometry("MULTIPOLYGON", "POINT")


class Patrol(Feature):
    __tablename__ = "patrols"
    started_at: Mapped[datetime] = dated(DateTime(timezone=True), happened=True, nullable=False)
    ended_at: Mapped[datetime] = not_before(
        "started_at", DateTime(timezone=True), check="time_order", happened=True, nullable=False, index=True
    )
    patrol_type: Mapped[str] = vocabulary(vocab.PATROL_TYPES, 20, nullable=False)
    component: Mapped[str] = vocabulary(vocab.COMPONENTS, 20, nullable=False)
    unit: Mapped[str | None] = mapped_column(String(200))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), index=True)
    coverage_m: Mapped[float | None] = bounded(
        Float, 0, 100_000, lo_open=True, check="coverage_range", doc="overrides the analysis patrol radius"
    )
    geom: Mapped[Any] = geometry("MULTILINESTRING")


class Engagement(Feature):
    __tablename__ = "engagements"
    occurred_at: Mapped[datetime] = dated(DateTime(timezone=True), happened=True, nullable=False, index=True)
    kind: Mapped[str] = vocabulary(vocab.ENGAGEMENT_KINDS, 30, nullable=False)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="SET NULL"), index=True)
    constituencies: Mapped[list[str]] = vocabulary_array(vocab.CONSTITUENCIES)
    participants_women: Mapped[int | None] = bounded(Integer, 0, check="participants_nonnegative")
    participants_men: Mapped[int | None] = bounded(Integer, 0, check="participants_nonnegative")
    participants_total: Mapped[int | None] = bounded(Integer, 0, check="participants_nonnegative")
    summary: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[Any] = geometry("POINT")


class Qip(Feature):
    __tablename__ = "qips"
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    sector: Mapped[str] = vocabulary(vocab.QIP_SECTORS, 30, nullable=False)
    status: Mapped[str] = vocabulary(vocab.QIP_STATUSES, 20, nullable=False, server_default="proposed")
    budget_usd: Mapped[float | None] = bounded(
        Float, 0, vocab.QIP_MAX_BUDGET_USD, check="budget_range", doc="QIPs are capped at USD 50 000"
    )
    start_on: Mapped[date | None] = dated(Date)
    end_on: Mapped[date | None] = not_before("start_on", Date, check="date_order")
    implementing_partner: Mapped[str | None] = mapped_column(String(300))
    funded_by: Mapped[str | None] = vocabulary(vocab.QIP_FUNDERS, 20)
    beneficiaries: Mapped[int | None] = bounded(Integer, 0)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="SET NULL"), index=True)
    geom: Mapped[Any] = geometry("POINT")


class Interlocutor(Feature):
    """A person the mission heard. No geometry of its own (where they speak
    for is their ``community_id``); ``name`` and ``pseudonym`` identify the
    person and are shown to editors and admins only (docs/politics.md)."""

    __tablename__ = "interlocutors"
    pseudonym: Mapped[str] = mapped_column(
        String(100), nullable=False, doc="the pseudonymous id field staff use (e.g. BBR-TL-003); identifying"
    )
    name: Mapped[str | None] = mapped_column(String(200), doc="the person's name, where recorded; identifying")
    role: Mapped[str] = vocabulary(vocab.INTERLOCUTOR_ROLES, 30, nullable=False)
    gender: Mapped[str] = vocabulary(vocab.GENDERS, 10, nullable=False, server_default="unknown")
    age_band: Mapped[str] = vocabulary(vocab.AGE_BANDS, 10, nullable=False, server_default="unknown")
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="SET NULL"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)


class EngagementInterlocutor(Base):
    """Who took part in an engagement: the many-to-many link, set through the
    engagement's ``interlocutor_ids`` property."""

    __tablename__ = "engagement_interlocutors"
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True)
    interlocutor_id: Mapped[int] = mapped_column(
        ForeignKey("interlocutors.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AgreementStatusHistory(Base):
    """Every status an agreement has had, written by a trigger (migration
    0006) on each insert and status change: kept, never overwritten. The
    status is plain text on purpose: history keeps what was recorded even if
    the vocabulary changes later."""

    __tablename__ = "agreement_status_history"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    previous_status: Mapped[str | None] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    changed_by: Mapped[str | None] = mapped_column(String(200))


class Perception(Feature):
    """One perception-survey figure: the share of respondents answering an
    indicator's question favourably in one community (or at one point) and
    one wave, with the number of valid answers it rests on. Respondents are
    never stored (docs/politics.md)."""

    __tablename__ = "perceptions"
    survey: Mapped[str] = mapped_column(String(200), nullable=False)
    wave: Mapped[str] = mapped_column(String(50), nullable=False)
    fielded_on: Mapped[date] = dated(Date, happened=True, nullable=False, index=True)
    indicator: Mapped[str] = vocabulary(vocab.PERCEPTION_INDICATORS, 40, nullable=False)
    value: Mapped[float] = bounded(Float, 0, 1, nullable=False, doc="share of valid answers that were favourable (0–1)")
    sample_size: Mapped[int] = bounded(Integer, 1, nullable=False, doc="valid answers the value rests on")
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="SET NULL"), index=True)
    geom: Mapped[Any] = geometry("POINT")


class Road(Feature):
    """A road or track (an OSM/HOT export's ``highway`` lines): its class and
    surface set its speed on the friction surface (docs/reach.md); a bridge
    carries it over water."""

    __tablename__ = "roads"
    name: Mapped[str | None] = mapped_column(String(200))
    ref: Mapped[str | None] = mapped_column(String(50))
    highway: Mapped[str] = vocabulary(vocab.ROAD_CLASSES, 20, nullable=False)
    surface: Mapped[str | None] = vocabulary(vocab.ROAD_SURFACES, 10, doc="null: unknown, the class's usual surface")
    bridge: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    geom: Mapped[Any] = geometry("MULTILINESTRING")


class Waterway(Feature):
    """A river, stream or water body: a barrier on the friction surface except
    at crossings; a ``seasonal`` one only in the rainy season."""

    __tablename__ = "waterways"
    name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = vocabulary(vocab.WATER_KINDS, 20, nullable=False, server_default="river")
    seasonal: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    geom: Mapped[Any] = geometry("MULTILINESTRING", "MULTIPOLYGON")


class Crossing(Feature):
    """A bridge, ferry or ford: where water can be crossed; a ``seasonal``
    one is closed in the rainy season."""

    __tablename__ = "crossings"
    name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = vocabulary(vocab.CROSSING_KINDS, 10, nullable=False)
    seasonal: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    geom: Mapped[Any] = geometry("POINT")


class Raster(Base):
    """One imported raster (friction, population or land cover): a
    Cloud-Optimized GeoTIFF in the raster folder (``file``, relative to it)
    with its georeference and provenance (geo/rasters/catalogue.py). Not a
    feature resource: it has no geometry, only its lon/lat bounds."""

    __tablename__ = "rasters"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = vocabulary(vocab.RASTER_KINDS, 20, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    file: Mapped[str] = mapped_column(String(300), nullable=False)
    checksum: Mapped[str] = mapped_column(String(64), nullable=False, doc="sha256 of the stored file")
    crs: Mapped[str] = mapped_column(Text, nullable=False, doc="WKT")
    transform: Mapped[list[float]] = mapped_column(ARRAY(Float), nullable=False, doc="GDAL order: a b c d e f")
    width: Mapped[int] = bounded(Integer, 1, nullable=False, check="size_range")
    height: Mapped[int] = bounded(Integer, 1, nullable=False, check="size_range")
    dtype: Mapped[str] = mapped_column(String(20), nullable=False)
    nodata: Mapped[float | None] = mapped_column(Float)
    units: Mapped[str] = vocabulary(vocab.RASTER_UNITS, 20, nullable=False)
    west: Mapped[float] = bounded(Float, -180, 180, nullable=False, check="bounds_range")
    south: Mapped[float] = bounded(Float, -90, 90, nullable=False, check="bounds_range")
    east: Mapped[float] = bounded(Float, -180, 180, nullable=False, check="bounds_range")
    north: Mapped[float] = bounded(Float, -90, 90, nullable=False, check="bounds_range")
    source_file: Mapped[str] = mapped_column(String(300), nullable=False)
    source_checksum: Mapped[str] = mapped_column(String(64), nullable=False, doc="sha256 of the file as imported")
    provenance: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(200))


class AnalysisChange(Base):
    """One row per statement that wrote to an analysed table (filled by the
    triggers of migrations 0002, 0005, 0007 and 0008): the writer's
    transaction id, so a cached analysis can ask what committed since its
    snapshot, and the ids of the rows written (for ``engagement_interlocutors``
    the engagements' ids; none for a truncate), so it can update only the
    communities near them."""

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
    role: Mapped[str] = vocabulary(vocab.ROLES, 10, nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
