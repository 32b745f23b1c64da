"""``peacemap serve``: run the web service."""

from __future__ import annotations

import click


@click.command("serve")
@click.option("--host", default=None, help="bind address (default PEACEMAP_HOST or 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default PEACEMAP_PORT or 8000)")
def command(host: str | None, port: int | None) -> None:
    """Serve the API and the map pages."""
    import uvicorn

    from api.app import create_app
    from api.settings import get_api_settings

    s = get_api_settings()
    uvicorn.run(create_app(s), host=host or s.host, port=port or s.port, log_level="info")
