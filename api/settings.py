"""Service settings (env prefix ``PEACEMAP_``); database settings live in
``geo.config`` because the core needs them too.

How many requests run at once, how long one may wait, and how long a
statement may run are sized together (README, "Operations"): at most
``concurrency`` requests are handled at once (each on one thread of the
threadpool that runs the sync endpoints, holding at most one database
connection); one more waits up to ``queue_wait_s`` for a slot and is then
answered 503 with ``Retry-After``. Each of the two connection pools (the
feature pages and tiles have their own, in autocommit:
``api.deps.get_read_session``) holds ``db_pool_size + db_max_overflow``
connections — by default as many as ``concurrency``, so a handled request
never waits for a connection unless the database itself is slow, and then
for ``db_pool_timeout_s`` at most before a 503. A request holds one
connection at a time (a key's lookup gives its connection back before a
page reads: ``api.deps.get_principal``), so at most ``concurrency`` are in
use; idle, each pool keeps up to ``db_pool_size``. A process therefore has
at most ``concurrency + 2 × db_pool_size`` connections open (80 by default;
the hard cap of the two pools, ``2 × (db_pool_size + db_max_overflow)``, is
the same 80) — PostgreSQL's ``max_connections`` must cover the workers' sum.
"""

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
    workers: int = Field(1, ge=1, description="server processes; each has its own pool and analysis cache")
    concurrency: int = Field(40, ge=1, description="requests handled at once per process (= threadpool threads)")
    queue_wait_s: float = Field(1.0, ge=0, description="how long a request may wait for a slot before a 503")
    db_pool_size: int = Field(20, ge=1, description="connections kept open per process")
    db_max_overflow: int = Field(20, ge=0, description="extra connections opened under load")
    db_pool_timeout_s: float = Field(1.0, gt=0, description="wait for a free connection before a 503")
    statement_timeout_s: float = Field(10.0, gt=0, description="bound on one SQL statement of a request")
    analysis_timeout_s: float = Field(120.0, gt=0, description="bound on one statement reading analysis inputs")
    tile_cache_mb: float = Field(
        64.0, ge=0, description="memory per process for made vector tiles, kept until their data changes (0: none)"
    )
    tile_memory_mb: float = Field(
        256.0,
        ge=0,
        description="memory per process for the incidents kept to make their tiles without PostGIS "
        "(over it, tiles come from PostGIS; 97 MB for 1 000 000 incidents)",
    )
    warm_analysis: bool = Field(True, description="compute the default engagement gaps in the background at start")
    warm_wait_s: float = Field(
        0.5,
        ge=0,
        description="the warm-up, and the routes /map does not need, start once the first /map is sent, "
        "or this long after the start if none has begun",
    )
    # An online tile layer for connected offices, off by default (the map draws
    # its own geography from files on the server: geo/basemap.py).
    tiles_url: str | None = Field(
        None,
        pattern=r"^https?://[^/\s]+/\S*$",
        description="XYZ tile URL template, e.g. https://tile.example.org/{z}/{x}/{y}.png (an extra, optional layer)",
    )
    tiles_attribution: str | None = Field(None, description="the tile layer's attribution (required by most servers)")

    @property
    def connections_per_process(self) -> int:
        """The most database connections one server process opens (module docstring):
        ``concurrency`` in use plus ``db_pool_size`` idle in each of the two pools, and
        never more than the two pools' hard cap."""
        return min(self.concurrency + 2 * self.db_pool_size, 2 * (self.db_pool_size + self.db_max_overflow))


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()
