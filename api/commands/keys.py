"""``peacemap keys``: create API keys (the secret is printed once)."""

from __future__ import annotations

import click

from geo import vocab
from geo.db import database_url, make_engine, make_sessionmaker
from geo.keys import create_key, list_keys, revoke_key


@click.group("keys")
def command() -> None:
    """Manage API keys."""


@command.command("create")
@click.option(
    "--role", type=click.Choice(vocab.ROLES), required=True, help="viewer reads, editor writes, admin manages keys"
)
@click.option("--name", required=True, help="who or what holds the key (shown in the audit log)")
def create(role: str, name: str) -> None:
    """Create a key and print it once; only its digest is stored."""
    engine = make_engine(database_url())
    with make_sessionmaker(engine).begin() as session:
        secret = create_key(session, name, role)
    click.echo(secret)
    click.echo(f"({role} key '{name}' created; it is shown only now — keep it safe)", err=True)


@command.command("list")
def list_cmd() -> None:
    """List keys: name, role, prefix, created, revoked."""
    engine = make_engine(database_url())
    with make_sessionmaker(engine).begin() as session:
        for k in list_keys(session):
            state = f"revoked {k['revoked_at'][:10]}" if k["revoked_at"] else "active"
            click.echo(f"{k['name']:<30} {k['role']:<7} {k['prefix']}…  created {k['created_at'][:10]}  {state}")


@command.command("revoke")
@click.argument("name")
def revoke(name: str) -> None:
    """Revoke the key called NAME (it stops working at once)."""
    engine = make_engine(database_url())
    with make_sessionmaker(engine).begin() as session:
        revoke_key(session, name)
    click.echo(f"key '{name}' revoked")
