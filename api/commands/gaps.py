"""``peacemap gaps``: the ranked engagement gaps (docs/analysis.md) from the
database, as a readable table (default), GeoJSON or CSV. The tuning options
are generated from the fields of :class:`GapParams`."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime

import click
import pandas as pd

from geo.analysis import GapParams, gaps_from_db
from geo.analysis.export import feature_collection, select_rows, to_csv
from geo.analysis.params import today
from geo.db import database_url, make_engine, make_sessionmaker

_TUNABLE = [f for f in fields(GapParams) if f.name != "as_of"]


def _bbox(_ctx, _param, value):
    if value is None:
        return None
    try:
        box = tuple(float(v) for v in value.split(","))
    except ValueError:
        box = ()
    if len(box) != 4:
        raise click.BadParameter("four numbers: minx,miny,maxx,maxy")
    return box


def _table(rows, params: GapParams) -> str:
    head = (
        f"{'rank':>4}  {'community':<24} {'id':>7} {'days':>5} {'incid.':>6} {'deaths':>6} {'site km':>7} "
        f"{'score':>8}  under-engaged"
    )
    lines = [
        f"Engagement gaps as of {params.as_of.isoformat()} (window {params.window_days} days)",
        head,
        "-" * len(head),
    ]
    for r in rows.itertuples(index=False):
        days = "never" if pd.isna(r.days_since_engagement) else str(r.days_since_engagement)
        km = "-" if pd.isna(r.distance_to_site_m) else f"{r.distance_to_site_m / 1000:.1f}"
        lines.append(
            f"{r.rank:>4}  {str(r.name)[:24]:<24} {r.community_id:>7} {days:>5} {r.incidents_window:>6} "
            f"{r.fatalities_window:>6} {km:>7} {r.gap_score:>8.3f}  {'yes' if r.under_engaged else 'no'}"
        )
        lines.append("      " + "; ".join(r.reasons))
    return "\n".join(lines)


def _options(fn):
    for f in reversed(_TUNABLE):
        kind = bool if f.type in ("bool", bool) else (int if f.type in ("int", int) else float)
        name = "--" + f.name.replace("_", "-")
        if f.metadata["choices"]:
            fn = click.option(
                name,
                f.name,
                type=click.Choice(f.metadata["choices"]),
                default=f.default,
                show_default=True,
                help=f.metadata["description"],
            )(fn)
        elif kind is bool:
            fn = click.option(
                name + "/--no-" + f.name.replace("_", "-"),
                f.name,
                default=f.default,
                show_default=True,
                help=f.metadata["description"],
            )(fn)
        else:
            fn = click.option(
                name, f.name, type=kind, default=f.default, show_default=True, help=f.metadata["description"]
            )(fn)
    return fn


@click.command("gaps")
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), help=GapParams.__dataclass_fields__["as_of"].metadata["description"]
)
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "geojson", "csv"]), default="table", show_default=True)
@click.option("--under-engaged-only", is_flag=True, help="only communities flagged under-engaged")
@click.option(
    "--bbox",
    callback=_bbox,
    help="minx,miny,maxx,maxy (EPSG:4326): only communities inside, with their mission-wide scores and ranks",
)
@click.option(
    "--admin-area", type=int, help="admin area id: only communities inside it, with their mission-wide scores and ranks"
)
@_options
def command(as_of, limit, fmt, under_engaged_only, bbox, admin_area, **tunable) -> None:
    """Communities ranked by engagement gap, with the reasons."""
    params = GapParams(as_of=as_of.date() if as_of else today(), **tunable)
    engine = make_engine(database_url())
    try:
        with make_sessionmaker(engine)() as session:
            result = gaps_from_db(session, params, computed_at=datetime.now(UTC), bbox=bbox, admin_area=admin_area)
    finally:
        engine.dispose()
    rows = select_rows(result, under_engaged_only=under_engaged_only)
    page = rows.head(limit)
    if fmt == "geojson":
        click.echo(json.dumps(feature_collection(result, page, len(rows))))
    elif fmt == "csv":
        click.echo(to_csv(result, page), nl=False)
    else:
        click.echo(_table(result.with_reasons(page), params))
        click.echo(f"({len(page)} of {len(rows)} communities; computed {result.computed_at:%Y-%m-%d %H:%M:%S} UTC)")
