"""``peacemap start``: what ``make run`` does — database up, schema migrated,
demo loaded into an empty database (with an editor key to try writes), then
the service with public read on so a newcomer can browse at once."""

from __future__ import annotations

import os

import click
from sqlalchemy import select

from api.settings import get_api_settings
from geo.db import database_url, make_engine, make_sessionmaker, migrate
from geo.keys import create_key
from geo.models import ApiKey


def _demo_key(engine) -> tuple[str, str]:
    with make_sessionmaker(engine).begin() as session:
        taken = set(session.scalars(select(ApiKey.name).where(ApiKey.name.like("demo-editor%"))))
        name = "demo-editor" if "demo-editor" not in taken else f"demo-editor-{len(taken) + 1}"
        return name, create_key(session, name, "editor")


@click.command("start")
@click.option(
    "--demo/--no-demo", default=True, show_default=True, help="load the demo scenario when the database is empty"
)
@click.option("--host", default=None, help="bind address (default 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default 8000)")
def command(demo: bool, host: str | None, port: int | None) -> None:
    """Start everything for a first look: database, schema, demo data, service."""
    url = database_url()
    click.echo("database ready; migrating…")
    migrate(url)
    engine = make_engine(url)
    if demo:
        from geo.demo import load_demo

        counts = load_demo(engine)
        if counts is None:
            click.echo("database already has data: demo not loaded")
        else:
            click.echo("demo scenario loaded: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
            name, secret = _demo_key(engine)
            click.echo(f"\n  demo editor key ({name}): {secret}")
            click.echo("  use it as:  curl -H 'Authorization: Bearer <key>' …")
            click.echo("  more keys:  .venv/bin/peacemap keys create --role viewer|editor|admin --name NAME\n")
    engine.dispose()
    os.environ.setdefault("PEACEMAP_PUBLIC_READ", "true")
    get_api_settings.cache_clear()  # read again: the command line's imports read the settings before this default
    from api.commands.serve import command as serve

    click.echo(f"serving on http://{host or '127.0.0.1'}:{port or 8000}  (map at /map, API docs at /docs)")
    click.get_current_context().invoke(serve, host=host, port=port)
