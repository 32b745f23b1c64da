"""Engine and sessions. The URL comes from ``PEACEMAP_DATABASE_URL`` or, when
that is unset, from the embedded cluster (started on demand)."""

from __future__ import annotations

import psycopg
from sqlalchemy import Connection, create_engine, text
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


# The engine's bound for statements that read a whole table on purpose (the
# analysis inputs), kept as an execution option so the code that reads them
# (geo.analysis.cache) needs no service settings: see ``long_statements``.
LONG_STATEMENT_OPTION = "peacemap_long_statement_timeout_ms"
CONNECT_TIMEOUT_S = 2  # libpq's minimum; a local cluster that is down refuses at once


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL of this project as a libpq connection URI (psycopg directly)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def driver_connection(conn: Connection) -> psycopg.Connection:
    """The psycopg connection under ``conn``, for COPY and binary fetches that
    SQLAlchemy does not offer (the engines here are all psycopg 3)."""
    raw = conn.connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError(f"expected a psycopg connection, got {type(raw).__name__}")
    return raw


def make_engine(
    url: str,
    *,
    statement_timeout_s: float | None = None,
    long_statement_timeout_s: float | None = None,
    pg_settings: dict[str, str] | None = None,
    **kw,
) -> Engine:
    """An engine whose pool checks each connection before use (so a database
    restart costs one failed request per dead connection, not an error).
    ``statement_timeout_s`` bounds every statement (PostgreSQL's
    ``statement_timeout``, set at connect); ``long_statement_timeout_s`` is
    the bound :func:`long_statements` applies instead. The command line
    passes neither: a 1 000 000-row import is one long statement.
    ``pg_settings``: more PostgreSQL settings of the engine's connections."""
    kw.setdefault("pool_pre_ping", True)
    args = kw.setdefault("connect_args", {})
    args.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    settings = dict(pg_settings or {})
    if statement_timeout_s is not None:
        settings["statement_timeout"] = str(_ms(statement_timeout_s))
    if settings:
        args["options"] = " ".join(f"-c {k}={v}" for k, v in settings.items())
    if long_statement_timeout_s is not None:
        kw["execution_options"] = {
            **kw.get("execution_options", {}),
            LONG_STATEMENT_OPTION: _ms(long_statement_timeout_s),
        }
    return create_engine(url, **kw)


def connection_slots(url: str) -> int | None:
    """How many connections the database at ``url`` lets ordinary roles open
    (``max_connections`` less ``superuser_reserved_connections``), or None when it
    cannot be reached now (a server may start before its database)."""
    try:
        with psycopg.connect(libpq_url(url), connect_timeout=CONNECT_TIMEOUT_S) as conn:
            row = conn.execute(
                "SELECT current_setting('max_connections')::int"
                " - current_setting('superuser_reserved_connections')::int"
            ).fetchone()
    except psycopg.OperationalError:
        return None
    return int(row[0]) if row else None


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def long_statements(conn: Connection) -> None:
    """In ``conn``'s current transaction, let each statement run for the
    engine's long-statement bound instead of the per-request one (no-op when
    the engine has none)."""
    ms = conn.get_execution_options().get(LONG_STATEMENT_OPTION)
    if ms is not None:
        conn.execute(text("SELECT set_config('statement_timeout', :v, true)"), {"v": f"{ms}ms"})


def release(session: Session) -> None:
    """End ``session``'s transaction so its connection goes back to the pool
    before slow work that needs no database. A commit, not a rollback: a
    caller's flushed writes are kept (tests run each request inside an outer
    transaction, where this only releases the savepoint)."""
    session.commit()


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
