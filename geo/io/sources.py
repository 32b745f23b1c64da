"""Streaming readers: CSV in pandas chunks, vector layers (GeoJSON, GeoPackage,
zipped Shapefile, GPX…) in Arrow batches through pyogrio — never the whole
file in memory. Each yields ``Batch``es whose ``rows`` are the line numbers
(CSV, header = line 1) or feature numbers (vector, from 1) users see."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyarrow import ArrowException
from pyproj import CRS, Transformer

from geo.errors import InvalidInput
from geo.io.fields import Batch

Progress = Callable[[int], None]  # called with the bytes or features consumed since the last call

CSV_CHUNK = 100_000
VECTOR_CHUNK = 20_000
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip", ".gpx", ".geojsonl", ".geojsons", ".fgb", ".kml"}


def is_vector(path: Path) -> bool:
    return path.suffix.lower() in VECTOR_SUFFIXES


class _Counting(io.RawIOBase):
    """A binary file that reports how many bytes were read (for the progress bar)."""

    def __init__(self, fh, progress: Progress | None):
        self.fh, self.progress = fh, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        n = self.fh.readinto(buf)
        if self.progress and n:
            self.progress(n)
        return n


# Windows-1252 leaves five bytes undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D);
# Latin-1 reads them as C1 controls. Decoding with this handler is the
# WHATWG "windows-1252" that browsers use for "Latin-1" text.
_LATIN1_FALLBACK = "peacemap-latin-1-fallback"


def _latin1_fallback(e: UnicodeError) -> tuple[str, int]:
    if not isinstance(e, UnicodeDecodeError):  # registered for decoding only
        raise e
    return e.object[e.start : e.end].decode("latin-1"), e.end


codecs.register_error(_LATIN1_FALLBACK, _latin1_fallback)
_DETECT_BLOCK = 1 << 20


def text_encoding(name: str) -> str:
    """Check that ``name`` is a text encoding Python knows (not ``rot13``,
    ``base64`` or a name with a NUL); returns it unchanged.

    Parameters
    ----------
    name : str
        What the user asked for (``--encoding`` or ``encoding=``).

    Returns
    -------
    str
        ``name``, usable with :func:`open`.
    """
    try:
        codec = codecs.lookup(name)
        "peacemap".encode(codec.name).decode(codec.name)
    except (LookupError, ValueError, TypeError, UnicodeError):
        raise InvalidInput(
            f"{name!r} is not a known text encoding (e.g. utf-8, windows-1252, latin-1, utf-16)", field="encoding"
        ) from None
    return name


def detect_encoding(path: Path) -> str:
    """The encoding of a text file: a byte-order mark says UTF-8 or UTF-16;
    otherwise the whole file is checked as strict UTF-8 (any text that is
    valid UTF-8 is almost surely meant as such), and anything else is read as
    Windows-1252 — what "Latin-1" exports from Excel really are — with
    Latin-1 for the bytes Windows-1252 leaves undefined. The check streams
    the file once (a fast C decoder), so a stray byte deep in a large file is
    found before the import starts rather than half-way through it.

    Parameters
    ----------
    path : Path
        The CSV file.

    Returns
    -------
    str
        ``utf-8-sig``, ``utf-16``, ``utf-8`` or ``windows-1252``.
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while block := fh.read(_DETECT_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "windows-1252"
    return "utf-8"


def _codec(encoding: str) -> tuple[str, str]:
    """(encoding, errors) to open a file with: UTF-8 tolerates a BOM,
    Windows-1252 falls back to Latin-1 for its undefined bytes."""
    name = codecs.lookup(encoding).name
    if name == "utf-8":
        return "utf-8-sig", "strict"
    return encoding, _LATIN1_FALLBACK if name == "cp1252" else "strict"


def _decode_error(path: Path, encoding: str, exc: UnicodeError) -> InvalidInput:
    if isinstance(exc, UnicodeDecodeError):
        where = f" (byte {exc.object[exc.start : exc.start + 1]!r} at offset {exc.start})"
    else:  # e.g. UTF-16 without a byte-order mark
        where = f" ({exc})"
    return InvalidInput(
        f"{path.name} is not {encoding} text{where}; re-save it as UTF-8, pass its encoding "
        "(e.g. --encoding latin-1) or leave the encoding out to have it detected",
        field="encoding",
    )


def csv_header(path: Path, encoding: str = "utf-8") -> tuple[list[str], str]:
    """Column names and the delimiter (',', ';' or tab, as KoboToolbox exports vary)."""
    name, errors = _codec(encoding)
    try:
        with open(path, encoding=name, errors=errors, newline="") as fh:
            first = fh.readline()
    except UnicodeError as exc:
        raise _decode_error(path, encoding, exc) from None
    except OSError as exc:
        raise InvalidInput(f"cannot open {path.name}: {exc.strerror}", field="file") from None
    if not first.strip():
        raise InvalidInput(f"{path.name} is empty: expected a header line with column names", field="file")
    delimiter = max([",", ";", "\t"], key=first.count)
    names = next(csv.reader([first], delimiter=delimiter))
    return [n.strip() for n in names], delimiter


def csv_batches(
    path: Path,
    *,
    encoding: str = "utf-8",
    chunk_rows: int | None = None,
    progress: Progress | None = None,
    rename: Callable[[str], str] | None = None,
) -> Iterator[Batch]:
    names, delimiter = csv_header(path, encoding)
    if rename:
        names = [rename(n) for n in names]
    name, errors = _codec(encoding)
    with open(path, "rb") as raw:
        handle = io.BufferedReader(_Counting(raw, progress), 1 << 20)
        try:
            reader = pd.read_csv(
                handle,
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding=name,
                encoding_errors=errors,
                chunksize=chunk_rows or CSV_CHUNK,
                header=0,
                names=names,
                skipinitialspace=True,
            )
            for chunk in reader:
                start = int(chunk.index[0]) + 2 if len(chunk) else 0
                yield Batch(chunk, np.arange(start, start + len(chunk)))
        except UnicodeError as exc:
            raise _decode_error(path, encoding, exc) from None
        except (pd.errors.ParserError, ValueError) as exc:
            raise InvalidInput(f"cannot parse {path.name} as CSV: {str(exc).strip()}", field="file") from None


def unreadable(path: Path, exc: Exception) -> InvalidInput:
    """The file is not a vector layer GDAL can open; GDAL's own words (which
    name server paths and SQL) are the ``cause``, not the message."""
    cause = str(exc).replace(f"'{path}'", path.name).replace(str(path), path.name)
    return InvalidInput(
        f"cannot read {path.name} as a vector file: it is damaged or not in a format the importer "
        "reads (GeoJSON, GeoPackage, zipped Shapefile, GPX, FlatGeobuf, KML)",
        field="file",
        cause=cause,
    )


def vector_layers(path: Path) -> list[str]:
    import pyogrio  # here, not at the top: a server starts without it (bench/README.md, "Cold start")
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise unreadable(path, exc) from None


def vector_fields(path: Path, layer: str | None = None) -> tuple[list[str], int]:
    """Field names and feature count (-1 when the driver cannot tell cheaply)."""
    import pyogrio  # here, not at the top: a server starts without it (bench/README.md, "Cold start")
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        info = pyogrio.read_info(path, layer=layer)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise unreadable(path, exc) from None
    return [str(f) for f in info["fields"]], int(info["features"])


def vector_batches(
    path: Path,
    *,
    layer: str | None = None,
    chunk_rows: int = VECTOR_CHUNK,
    progress: Progress | None = None,
    columns: list[str] | None = None,
) -> Iterator[Batch]:
    import pyogrio.raw  # here, not at the top: a server starts without it (bench/README.md, "Cold start")
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        with pyogrio.raw.open_arrow(path, layer=layer, batch_size=chunk_rows, columns=columns, use_pyarrow=True) as (
            meta,
            reader,
        ):
            transform = _to_wgs84(meta.get("crs"))
            geom_col = meta.get("geometry_name") or "wkb_geometry"
            seen = 0
            for rb in reader:
                frame = rb.to_pandas()
                geoms = None
                if geom_col in frame.columns:
                    geoms = shapely.from_wkb(frame.pop(geom_col).to_numpy(), on_invalid="ignore")
                    if transform is not None:
                        geoms = shapely.transform(geoms, transform, interleaved=False)
                yield Batch(frame, np.arange(seen + 1, seen + len(frame) + 1), geoms)
                seen += len(frame)
                if progress:
                    progress(len(frame))
    except (DataSourceError, DataLayerError, ArrowException) as exc:
        raise unreadable(path, exc) from None


def _to_wgs84(crs: str | None):
    if not crs:
        return None  # undeclared: assume lon/lat; range checks catch projected metres
    source = CRS.from_user_input(crs)
    if source.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    t = Transformer.from_crs(source, 4326, always_xy=True)
    return lambda x, y: t.transform(x, y)
