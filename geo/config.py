"""Database settings shared by every face of the product (env prefix ``PEACEMAP_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DatabaseSettings(BaseSettings):
    """Where the data lives.

    ``database_url`` selects an external PostGIS; when it is unset the embedded
    cluster under ``data_dir`` is used, run with the PostgreSQL binaries in
    ``pg_bindir`` (found on PATH or under /usr/lib/postgresql when unset).
    """

    model_config = SettingsConfigDict(env_prefix="PEACEMAP_", extra="ignore")

    database_url: str | None = None
    data_dir: Path = PROJECT_ROOT / ".peacemap"
    pg_port: int | None = None
    db_name: str = "peacemap"
    pg_bindir: Path | None = None


@lru_cache
def get_database_settings() -> DatabaseSettings:
    return DatabaseSettings()
