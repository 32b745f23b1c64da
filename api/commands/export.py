"""``peacemap export``: the data as files for offline field offices and
other tools — one GeoPackage with every layer, or one resource as GeoJSON
or CSV. The same filters as the API. Whoever runs this holds the database,
so sensitive fields are included unless ``--public`` is given."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from api.params import parse_bbox, parse_instant
from geo.db import database_url, make_engine, make_sessionmaker
from geo.errors import InvalidInput
from geo.io.export import (
    CSV_GEOMETRY,
    export_layers,
    features_to_csv,
    features_to_geojson,
    iter_features,
    write_geopackage,
)
from geo.rasters.export import write_raster_tables
from geo.repository import property_columns
from geo.resources import REGISTRY

# Who read personal data, for the audit log: the person at the database's command line.
COMMAND_LINE = f"command line ({getpass.getuser()})"


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["gpkg", "geojson", "csv"]), default="gpkg", show_default=True)
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--resource",
    "resources",
    multiple=True,
    type=click.Choice(list(REGISTRY)),
    help="gpkg: only these layers (repeatable); geojson/csv: the one resource to write",
)
@click.option("--bbox", help="minx,miny,maxx,maxy in EPSG:4326")
@click.option("--start", help="earliest date (ISO 8601), on each resource's date")
@click.option("--end", help="latest date, inclusive")
@click.option(
    "--no-gaps",
    is_flag=True,
    help="gpkg: leave out the analysis layers (engagement gaps, admin area figures, who was heard)",
)
@click.option("--no-rasters", is_flag=True, help="gpkg: leave out the catalogue's rasters")
@click.option(
    "--public",
    is_flag=True,
    help="leave out fields only editors may see (incident notes, sources, interlocutors' names)",
)
@click.option(
    "--csv-geometry",
    type=click.Choice(CSV_GEOMETRY),
    default="wkt",
    show_default=True,
    help="csv: a wkt column, or lon/lat columns",
)
def command(
    fmt: str,
    file: Path,
    resources: tuple[str, ...],
    bbox: str | None,
    start: str | None,
    end: str | None,
    no_gaps: bool,
    no_rasters: bool,
    public: bool,
    csv_geometry: str,
) -> None:
    """Write FILE: a GeoPackage with every layer (default), or one --resource as GeoJSON or CSV."""
    box, first, last = parse_bbox(bbox), parse_instant(start, "start"), parse_instant(end, "end")
    if fmt != "gpkg" and len(resources) != 1:
        raise InvalidInput(f"--format {fmt} writes one resource: give exactly one --resource", field="resource")
    engine = make_engine(database_url())
    try:
        with make_sessionmaker(engine)() as session:  # reads only; write_geopackage ends its transaction
            if fmt == "gpkg":
                layers = export_layers(
                    include_sensitive=not public,
                    resources=resources or None,
                    include_gaps=not no_gaps,
                    bbox=box,
                    start=first,
                    end=last,
                    reader=COMMAND_LINE,
                )
                counts = write_geopackage(session, file, layers)
                if not no_rasters:
                    counts.update(write_raster_tables(session, file, bbox=box))
            else:
                spec = REGISTRY[resources[0]]
                feats = iter_features(
                    session, spec, include_sensitive=not public, bbox=box, start=first, end=last, reader=COMMAND_LINE
                )
                counted = _Counter(feats)
                if fmt == "geojson":
                    chunks = features_to_geojson(counted)
                else:
                    names = [c.name for c in property_columns(spec, not public)]
                    chunks = features_to_csv(counted, names, csv_geometry)
                with open(file, "w", encoding="utf-8", newline="") as out:
                    out.writelines(chunks)
                counts = {spec.table: counted.n}
    finally:
        engine.dispose()
    click.echo(f"wrote {file}: " + ", ".join(f"{name} {n}" for name, n in counts.items()))


class _Counter:
    def __init__(self, items):
        self.items, self.n = items, 0

    def __iter__(self):
        for item in self.items:
            self.n += 1
            yield item
