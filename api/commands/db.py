"""``peacemap db``: the embedded PostGIS (:mod:`geo.cluster`) and migrations."""

from __future__ import annotations

import click

from geo.config import get_database_settings
from geo.db import database_url, local_cluster, make_engine, migrate, schema_at_head


@click.group("db")
def command() -> None:
    """Manage the database (the embedded cluster unless PEACEMAP_DATABASE_URL is set)."""


def _external() -> bool:
    return bool(get_database_settings().database_url)


@command.command("up")
def up() -> None:
    """Create (first time) and start the embedded PostGIS; harmless if already up."""
    if _external():
        click.echo("PEACEMAP_DATABASE_URL is set: using that server, nothing to start.")
        return
    cluster = local_cluster()
    cluster.up()
    click.echo(f"database up on 127.0.0.1:{cluster.port} (data: {cluster.pgdata})")


@command.command("down")
def down() -> None:
    """Stop the embedded PostGIS."""
    if _external():
        click.echo("PEACEMAP_DATABASE_URL is set: the external server is not managed by peacemap.")
        return
    was = local_cluster().down()
    click.echo("database stopped" if was else "database was not running")


@command.command("status")
def status() -> None:
    """Where the database is and whether it runs."""
    if _external():
        click.echo("external database (PEACEMAP_DATABASE_URL)")
        return
    st = local_cluster().status()
    click.echo(
        f"embedded PostGIS: {'running' if st.running else 'stopped'}"
        f"{'' if st.initialised else ' (not created yet: run peacemap db up)'}"
    )
    click.echo(f"data directory: {st.pgdata}")
    click.echo(f"port: 127.0.0.1:{st.port}")
    click.echo(f"log: {st.log}")


@command.command("url")
def url() -> None:
    """Print the SQLAlchemy URL (starts the embedded database if needed)."""
    click.echo(database_url())


@command.command("migrate")
def migrate_cmd() -> None:
    """Upgrade the schema to the newest migration."""
    u = database_url()
    migrate(u)
    click.echo("schema at head" if schema_at_head(make_engine(u)) else "schema NOT at head")
