"""Which format a file is in, and the public entry point :func:`import_file`.

The format follows from the resource and the file (a GPX file holds patrols,
a CSV with ``where_prec`` is UCDP GED, one with ``event_id_cnty`` is ACLED,
``wof_id``/``geonameid`` a gazetteer, ``_uuid``/``_geolocation`` a
KoboToolbox export); anything else goes through the generic column-by-name
importer. ``fmt`` overrides the guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from geo.errors import InvalidInput
from geo.io import acled, boundaries, crossings, gazetteer, generic, gpx, kobo, kobo_perceptions, roads, ucdp, waterways
from geo.io.fields import Batch
from geo.io.importer import Format, Options, run
from geo.io.report import ImportReport
from geo.io.sources import (
    Progress,
    csv_batches,
    csv_header,
    detect_encoding,
    is_vector,
    text_encoding,
    vector_batches,
    vector_fields,
    vector_layers,
)
from geo.resources import REGISTRY

# format → (resource it fills or None for any, mapper, column renamer for CSVs)
MAPPERS: dict[str, tuple[str | None, Callable, Callable[[str], str] | None]] = {
    "ucdp": ("incidents", ucdp.map_batch, None),
    "acled": ("incidents", acled.map_batch, acled.rename),
    "gazetteer": ("communities", gazetteer.map_batch, None),
    "boundaries": ("admin-areas", boundaries.map_batch, None),
    "gpx": ("patrols", gpx.map_batch, None),
    "kobo": ("engagements", kobo.map_batch, kobo.rename),
    "kobo-perceptions": ("perceptions", kobo_perceptions.map_batch, None),  # reads itself (aggregates responses)
    "osm-roads": ("roads", roads.map_batch, None),
    "rivers": ("waterways", waterways.map_batch, None),
    "osm-crossings": ("crossings", crossings.map_batch, None),
    "generic": (None, generic.map_batch, None),
}
FORMAT_NAMES = tuple(MAPPERS)


def parse_pairs(items, option: str) -> dict[str, str]:
    """``["field=value", …]`` (the --map/--set options and their query twins) → dict."""
    out = {}
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"{option} {item!r}: expected FIELD=VALUE", field=option.lstrip("-"))
        out[key.strip()] = val.strip()
    return out


def _pick_layer(path: Path, resource: str, layer: str | None) -> str | None:
    if layer is not None or path.suffix.lower() in (".geojson", ".json", ".gpx"):
        return layer
    layers = vector_layers(path)
    if len(layers) <= 1:
        return None
    for name in (resource, resource.replace("-", "_")):
        if name in layers:
            return name
    raise InvalidInput(
        f"{path.name} has {len(layers)} layers ({', '.join(layers)}); choose one with --layer", field="layer"
    )


def _guess(resource: str, path: Path, columns: set[str]) -> str:
    if path.suffix.lower() == ".gpx":
        return "gpx"
    if resource == "incidents" and {"where_prec", "type_of_violence"} <= columns:
        return "ucdp"
    if resource == "incidents" and "event_id_cnty" in columns:
        return "acled"
    if resource == "communities" and not is_vector(path) and columns & {"wof_id", "geonameid"}:
        return "gazetteer"
    if resource == "admin-areas" and is_vector(path) and not {"name", "level"} <= columns:
        return "boundaries"  # a producer's layout; our own export (name, level…) reads back as is
    if resource == "engagements" and not is_vector(path) and columns & {"_uuid", "_geolocation", "_submission_time"}:
        return "kobo"
    if resource == "perceptions" and not is_vector(path) and columns & {"_uuid", "_submission_time"}:
        return "kobo-perceptions"
    if resource in ("roads", "waterways", "crossings") and "source_id" not in columns:
        return {"roads": "osm-roads", "waterways": "rivers", "crossings": "osm-crossings"}[resource]
    return "generic"  # our own export (source_id, the table's columns) reads back as is


def _read_file(opts: Options, rename: Callable[[str], str] | None) -> Iterator[Batch]:
    """Vector files (which have no text encoding) through GDAL, CSVs in chunks in their encoding."""
    if opts.encoding is None:
        return vector_batches(opts.path, layer=opts.layer, progress=opts.progress)
    return csv_batches(opts.path, encoding=opts.encoding, progress=opts.progress, rename=rename)


def prepare(
    resource: str,
    path: str | Path,
    *,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    encoding: str | None = None,
    layer: str | None = None,
    progress: Progress | None = None,
) -> tuple[Format, Options]:
    """Resolve the format and the options; raises ``InvalidInput`` for what cannot work at all."""
    if resource not in REGISTRY:
        raise InvalidInput(f"unknown resource {resource!r}; one of {', '.join(REGISTRY)}", field="resource")
    spec = REGISTRY[resource]
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", field="file")
    if encoding is not None:
        text_encoding(encoding)
    if fmt is not None and fmt not in MAPPERS:
        raise InvalidInput(f"unknown format {fmt!r}; one of {', '.join(FORMAT_NAMES)}", field="format")
    vector = is_vector(path)
    layer = _pick_layer(path, resource, layer) if vector else None
    detected = encoding is None and not vector
    csv_encoding = None if vector else encoding if encoding is not None else detect_encoding(path)
    if fmt is None:
        if csv_encoding is None:  # a vector file
            columns = {c.lower() for c in vector_fields(path, layer)[0]} if path.suffix.lower() != ".gpx" else set()
        else:
            columns = {c.lower() for c in csv_header(path, csv_encoding)[0]}
        fmt = _guess(resource, path, columns)
    target, mapper, rename = MAPPERS[fmt]
    if target is not None and target != resource:
        raise InvalidInput(f"the {fmt} format holds {target}, not {resource}", field="format")
    settable = spec.writable
    for fld in constants or {}:
        if fld not in settable:
            raise InvalidInput(
                f"--set {fld}=…: {resource} has no field {fld!r} (it has {', '.join(settable)})", field="set"
            )
    opts = Options(
        path=path,
        resource=resource,
        mapping=dict(mapping or {}),
        constants=dict(constants or {}),
        encoding=csv_encoding,
        encoding_detected=detected,
        layer=layer,
        progress=progress,
    )
    read: Callable[[Options], Iterator[Batch]]
    if fmt == "gpx":
        read = gpx.read
    elif fmt == "kobo-perceptions":
        read = kobo_perceptions.read
    else:
        read = partial(_read_file, rename=rename)
    queries = fmt in ("generic", "kobo", "kobo-perceptions")  # the mapper looks things up in the database
    return Format(fmt, resource, read, mapper, "feature" if vector else "line", queries), opts


def import_file(
    target: Session | Connection,
    resource: str,
    path: str | Path,
    *,
    fmt: str | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    dry_run: bool = False,
    encoding: str | None = None,
    layer: str | None = None,
    progress: Progress | None = None,
    who: str | None = None,
) -> ImportReport:
    """Import one file into ``resource`` (a name in ``geo.resources.REGISTRY``).

    All-or-nothing: accepted rows are upserted by ``source`` + ``source_id``
    in one savepoint of ``target``'s transaction (the caller commits);
    rejected rows are listed in the report. A file that cannot be read at all
    raises ``InvalidInput`` and changes nothing. ``mapping`` maps model fields
    to file columns, ``constants`` gives fields one value for every row.
    A CSV's ``encoding`` is detected when it is None (the report says which
    was used); vector files carry their own.
    """
    format_, opts = prepare(
        resource, path, fmt=fmt, mapping=mapping, constants=constants, encoding=encoding, layer=layer, progress=progress
    )
    return run(target, format_, opts, dry_run=dry_run, who=who)
