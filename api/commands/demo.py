"""``peacemap demo``: fill an empty database with the CAR demo scenario."""

from __future__ import annotations

import time
from datetime import date

import click

from api.commands.maintain import report
from geo.db import database_url, make_engine, schema_at_head
from geo.demo import DEMO_SCALE, load_demo
from geo.errors import PeacemapError
from geo.maintenance import cluster_by_geometry


@click.group("demo")
def command() -> None:
    """The demo scenario (real CAR towns, synthetic everything else)."""


@command.command("load")
@click.option(
    "--scale",
    type=float,
    default=DEMO_SCALE,
    show_default=True,
    help="1 = the reference scale (50 000 communities, 1 000 000 incidents)",
)
@click.option("--seed", type=int, default=7, show_default=True, help="same seed → same scenario")
@click.option(
    "--end", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="last day of the scenario [default: today]"
)
@click.option(
    "--force",
    is_flag=True,
    help="load even if the database already has communities (demo rows are updated, not duplicated)",
)
def load(scale: float, seed: int, end, force: bool) -> None:
    """Load the demo if the database has no communities; print rows per table."""
    engine = make_engine(database_url())
    try:
        if not schema_at_head(engine):
            raise PeacemapError("the database schema is not up to date: run `peacemap db migrate` first")
        started = time.perf_counter()
        end_day: date | None = end.date() if end else None
        written = load_demo(engine, scale=scale, seed=seed, end=end_day, force=force)
        # A fresh load is the moment to store rows in space order (`peacemap maintain`): nobody reads yet.
        ordered = cluster_by_geometry(engine) if written is not None and not force else []
    finally:
        engine.dispose()
    if written is None:
        click.echo("database is not empty: nothing loaded (use --force to load anyway)")
        return
    for table, n in written.items():
        click.echo(f"{table:<12} {n:>9}")
    report(ordered)
    click.echo(f"demo loaded (seed {seed}, scale {scale:g}) in {time.perf_counter() - started:.1f} s")
