"""Streaming readers: CSV in pandas chunks, vector layers (GeoJSON, GeoPackage,
zipped Shapefile, GPX…) in Arrow batches through pyogrio — never the whole
file in memory. Each yields ``Batch``es whose ``rows`` are the line numbers
(CSV, header = line 1) or feature numbers (vector, from 1) users see."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
from pyarrow import ArrowException
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
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


def _encoding(encoding: str) -> str:
    return "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding


def _decode_error(path: Path, encoding: str, exc: UnicodeDecodeError) -> InvalidInput:
    return InvalidInput(f"{path.name} is not {encoding} text (byte {exc.object[exc.start:exc.start + 1]!r} at "
                        f"offset {exc.start}); re-save it as UTF-8 or pass its encoding (e.g. --encoding latin-1)",
                        field="encoding")


def csv_header(path: Path, encoding: str = "utf-8") -> tuple[list[str], str]:
    """Column names and the delimiter (',', ';' or tab, as KoboToolbox exports vary)."""
    try:
        with open(path, encoding=_encoding(encoding), newline="") as fh:
            first = fh.readline()
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding, exc) from None
    except OSError as exc:
        raise InvalidInput(f"cannot open {path.name}: {exc.strerror}", field="file") from None
    if not first.strip():
        raise InvalidInput(f"{path.name} is empty: expected a header line with column names", field="file")
    delimiter = max([",", ";", "\t"], key=first.count)
    names = next(csv.reader([first], delimiter=delimiter))
    return [n.strip() for n in names], delimiter


def csv_batches(path: Path, *, encoding: str = "utf-8", chunk_rows: int | None = None,
                progress: Progress | None = None, rename: Callable[[str], str] | None = None) -> Iterator[Batch]:
    names, delimiter = csv_header(path, encoding)
    if rename:
        names = [rename(n) for n in names]
    with open(path, "rb") as raw:
        handle = io.BufferedReader(_Counting(raw, progress), 1 << 20)
        try:
            reader = pd.read_csv(handle, sep=delimiter, dtype=str, keep_default_na=False, na_filter=False,
                                 encoding=_encoding(encoding), chunksize=chunk_rows or CSV_CHUNK, header=0,
                                 names=names,
                                 skipinitialspace=True)
            for chunk in reader:
                start = int(chunk.index[0]) + 2 if len(chunk) else 0
                yield Batch(chunk, np.arange(start, start + len(chunk)))
        except UnicodeDecodeError as exc:
            raise _decode_error(path, encoding, exc) from None
        except (pd.errors.ParserError, ValueError) as exc:
            raise InvalidInput(f"cannot parse {path.name} as CSV: {str(exc).strip()}", field="file") from None


def unreadable(path: Path, exc: Exception) -> InvalidInput:
    message = str(exc).replace(f"'{path}'", path.name).replace(str(path), path.name)
    return InvalidInput(f"cannot read {path.name} as a vector file: {message}", field="file")


def vector_layers(path: Path) -> list[str]:
    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise unreadable(path, exc) from None


def vector_fields(path: Path, layer: str | None = None) -> tuple[list[str], int]:
    """Field names and feature count (-1 when the driver cannot tell cheaply)."""
    try:
        info = pyogrio.read_info(path, layer=layer)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise unreadable(path, exc) from None
    return [str(f) for f in info["fields"]], int(info["features"])


def vector_batches(path: Path, *, layer: str | None = None, chunk_rows: int = VECTOR_CHUNK,
                   progress: Progress | None = None, columns: list[str] | None = None) -> Iterator[Batch]:
    try:
        with pyogrio.raw.open_arrow(path, layer=layer, batch_size=chunk_rows, columns=columns,
                                    use_pyarrow=True) as (meta, reader):
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
