"""Service settings (env prefix ``PEACEMAP_``); database settings live in
``geo.config`` because the core needs them too."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PEACEMAP_", extra="ignore")

    public_read: bool = False
    max_upload_mb: float = 200.0
    default_limit: int = 100
    max_limit: int = 10_000
    host: str = "127.0.0.1"
    port: int = 8000


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()
