"""``peacemap import KIND FILE``: load a file into one resource, with a
progress bar, a counts summary and the rejected rows (``--rejects`` writes
them all as CSV). The whole file is one transaction."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

import click

from api.settings import get_api_settings
from geo.db import database_url, make_engine, make_sessionmaker, schema_at_head
from geo.errors import DatabaseUnavailable
from geo.geometry import limit_vertices
from geo.io.formats import FORMAT_NAMES, MAPPERS, parse_pairs, prepare
from geo.io.importer import run
from geo.rasters import catalogue
from geo.resources import REGISTRY
from geo.vocab import RASTER_KINDS, RASTER_UNITS

# Besides resource names, a format that fills one resource may name the KIND;
# a raster kind (friction, population, landcover) goes to the raster catalogue.
KINDS = {**{r: (r, None) for r in REGISTRY}, **{f: (res, f) for f, (res, _, _) in MAPPERS.items() if res is not None}}
CHOICES = sorted([*KINDS, *RASTER_KINDS])
SHOWN_REJECTS = 20


def _length(fmt, opts) -> int | None:
    if fmt.row_label == "line":
        return opts.path.stat().st_size
    from geo.io.sources import vector_fields

    count = vector_fields(opts.path, opts.layer)[1] if fmt.name != "gpx" else -1
    return count if count > 0 else None


@click.command("import")
@click.argument("kind", type=click.Choice(CHOICES), metavar="KIND")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), help="override the detected format")
@click.option("--dry-run", is_flag=True, help="check and count everything, then roll back")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), help="write every rejected row to this CSV")
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN", help="take FIELD from COLUMN (repeatable)")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="FIELD=VALUE",
    help="give FIELD one value for every row, e.g. --set component=police (repeatable)",
)
@click.option("--layer", help="layer of a multi-layer file (GeoPackage)")
@click.option(
    "--encoding",
    help="text encoding of a CSV; detected when absent (UTF-8, UTF-8 or UTF-16 with a "
    "byte-order mark, else Windows-1252/Latin-1) and named in the summary",
)
@click.option("--units", type=click.Choice(RASTER_UNITS), help="rasters: population units (default people_per_cell)")
@click.option("--name", help="rasters: a title (default: the file name)")
@click.option("--provenance", help="rasters: product, version, licence")
def command(
    kind: str,
    file: Path,
    fmt: str | None,
    dry_run: bool,
    rejects: Path | None,
    maps: tuple[str, ...],
    sets: tuple[str, ...],
    layer: str | None,
    encoding: str | None,
    units: str | None,
    name: str | None,
    provenance: str | None,
) -> None:
    """Import FILE into KIND: a resource (incidents, communities, admin-areas,
    patrols, engagements, agreements, qips, sites, roads, waterways, crossings),
    a format that fills one (ucdp, acled, gazetteer, boundaries, gpx, kobo,
    osm-roads, rivers, osm-crossings), or a raster (friction, population,
    landcover: a GeoTIFF kept as a COG in the raster catalogue).

    Re-importing updates rows by source and id instead of duplicating them.
    Formats are detected: UCDP GED and ACLED CSV/GeoJSON, Who's On First and
    GeoNames gazetteers, boundary layers, GPX tracks, KoboToolbox CSV, and any
    GeoJSON / GeoPackage / zipped Shapefile with columns named like the fields.
    """
    url = database_url()
    engine = make_engine(url)
    if not schema_at_head(engine):
        raise DatabaseUnavailable("the database schema is not up to date: run `peacemap db migrate` first")
    if kind in RASTER_KINDS:
        _import_raster(engine, kind, file, units=units, name=name, provenance=provenance, layer=layer)
        return
    resource, kind_fmt = KINDS[kind]
    format_, opts = prepare(
        resource,
        file,
        fmt=fmt or kind_fmt,
        mapping=parse_pairs(maps, "--map"),
        constants=parse_pairs(sets, "--set"),
        encoding=encoding,
        layer=layer,
    )
    length = _length(format_, opts)
    progress: AbstractContextManager[_Bar] = (
        click.progressbar(
            length=length,
            label=f"importing {file.name}",
            file=sys.stderr,
            show_pos=format_.row_label != "line",
        )
        if length
        else _NoBar()
    )
    with progress as bar:
        opts.progress = bar.update
        with engine.begin() as conn, limit_vertices(get_api_settings().max_vertices):
            report = run(conn, format_, opts, dry_run=dry_run, who="cli")
    engine.dispose()
    click.echo(report.summary())
    for r in report.rejects[:SHOWN_REJECTS]:
        click.echo(f"  {report.row_label} {r.row}: {r.field}: {r.reason}", err=True)
    if report.rejected > SHOWN_REJECTS:
        click.echo(
            f"  … and {report.rejected - SHOWN_REJECTS} more"
            + ("" if rejects else " (use --rejects FILE to get them all)"),
            err=True,
        )
    for repair in report.repairs[:SHOWN_REJECTS]:
        click.echo(f"  {report.row_label} {repair.row}: {repair.reason}", err=True)
    if rejects:
        report.write_rejects(rejects)
        click.echo(f"rejected rows written to {rejects}", err=True)


def _import_raster(engine, kind: str, file: Path, **options) -> None:
    with make_sessionmaker(engine)() as session, session.begin():
        entry = catalogue.store(session, file, kind, who="cli", **options)
    engine.dispose()
    w, s, e, n = entry["bbox"]
    click.echo(
        f"{kind} raster {entry['id']} from {file.name}: {entry['width']} × {entry['height']} cells, "
        f"{entry['units']}, EPSG:{entry['epsg'] or '(custom)'}, lon {w:.4f}…{e:.4f} lat {s:.4f}…{n:.4f}, "
        f"stored as {entry['file']}"
    )


class _Bar(Protocol):
    """What the import needs of a progress bar: click's, or none."""

    def update(self, n_steps: int, /) -> None: ...


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass
