"""Engine and sessions. The URL comes from ``PEACEMAP_DATABASE_URL`` or, when
that is unset, from the embedded cluster (started on demand)."""

from __future__ import annotations

import psycopg
from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from geo.cluster import LocalCluster
from geo.config import PROJECT_ROOT, DatabaseSettings, get_database_settings

ALEMBIC_DIR = PROJECT_ROOT / "alembic"


def local_cluster(settings: DatabaseSettings | None = None, *, fast: bool = False) -> LocalCluster:
    s = settings or get_database_settings()
    return LocalCluster(s.data_dir, port=s.pg_port, db_name=s.db_name, fast=fast)


def database_url(settings: DatabaseSettings | None = None, *, start: bool = True) -> str:
    """The SQLAlchemy URL; starts the embedded cluster when no URL is configured."""
    s = settings or get_database_settings()
    if s.database_url:
        url = s.database_url
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    cluster = local_cluster(s)
    return cluster.up() if start else cluster.url()


def driver_connection(conn: Connection) -> psycopg.Connection:
    """The psycopg connection under ``conn``, for COPY and binary fetches that
    SQLAlchemy does not offer (the engines here are all psycopg 3)."""
    raw = conn.connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError(f"expected a psycopg connection, got {type(raw).__name__}")
    return raw


def make_engine(url: str, **kw) -> Engine:
    kw.setdefault("pool_pre_ping", True)
    return create_engine(url, **kw)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def include_object(obj, name, type_, reflected, compare_to):
    """Autogenerate filter: PostGIS's own tables (spatial_ref_sys, topology…)
    and its index internals are not ours."""
    from geoalchemy2 import alembic_helpers

    if type_ == "table" and reflected and compare_to is None:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the schema (Alembic is the only source of the schema)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def schema_at_head(engine: Engine) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == set(script.get_heads())
