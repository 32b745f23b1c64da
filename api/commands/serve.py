"""``peacemap serve``: run the web service."""

from __future__ import annotations

import click


@click.command("serve")
@click.option("--host", default=None, help="bind address (default PEACEMAP_HOST or 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default PEACEMAP_PORT or 8000)")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="server processes (default PEACEMAP_WORKERS or 1; each has its own pool and analysis cache)",
)
def command(host: str | None, port: int | None, workers: int | None = None) -> None:
    """Serve the API and the map pages."""
    import uvicorn

    from api.app import create_app
    from api.settings import get_api_settings

    s = get_api_settings()
    workers = workers or s.workers
    _check_connections(workers, s.connections_per_process)
    # Several processes need the app as an import string: each builds its own.
    app = "api.app:create_app" if workers > 1 else create_app(s)
    uvicorn.run(app, factory=workers > 1, host=host or s.host, port=port or s.port, workers=workers, log_level="info")


def _check_connections(workers: int, each: int) -> None:
    """Refuse to start processes that could ask the database for more connections
    than it allows: they would work while quiet and fail under load, when it matters.
    Not checked when the database cannot be reached yet (the service answers 503
    until it can)."""
    from geo.db import connection_slots, database_url

    slots = connection_slots(database_url())
    if slots is not None and workers * each > slots:
        raise click.ClickException(
            f"{workers} server process(es) may open {workers * each} database connections "
            f"({each} each: PEACEMAP_CONCURRENCY + 2 × PEACEMAP_DB_POOL_SIZE, api/settings.py), "
            f"but the database allows {slots} (max_connections less the reserved ones). "
            "Use fewer --workers (PEACEMAP_WORKERS), lower PEACEMAP_CONCURRENCY or PEACEMAP_DB_POOL_SIZE, "
            "or raise the database's max_connections."
        )
