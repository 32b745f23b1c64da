"""Service settings (env prefix ``PEACEMAP_``); database settings live in
``geo.config`` because the core needs them too."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.geometry import DEFAULT_MAX_VERTICES


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PEACEMAP_", extra="ignore")

    public_read: bool = False
    max_upload_mb: float = Field(200.0, gt=0)  # body of an import upload (multipart)
    # Any other request body (JSON). 10 MB holds a feature at the vertex limit
    # written with full double precision (200 000 vertices ≈ 8.2 MB).
    max_body_mb: float = Field(10.0, gt=0)
    # Vertices per feature, on the API and in the importers: about 4× the
    # largest real boundary we hold (DR Congo's outline, 47 314 vertices).
    max_vertices: int = Field(DEFAULT_MAX_VERTICES, ge=4)
    default_limit: int = Field(100, ge=1, description="features per page of a list without ?limit")
    max_limit: int = Field(
        10_000,
        ge=1,
        description="the largest page: a larger JSON API limit is refused, "
        "a larger OGC limit is capped (as the standard asks)",
    )
    ogc_default_limit: int = Field(
        10, ge=1, description="features per OGC items page without ?limit (the standard's default)"
    )
    host: str = "127.0.0.1"
    port: int = 8000


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()
