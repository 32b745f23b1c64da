"""The raster catalogue: store a checked file as a Cloud-Optimized GeoTIFF in
the raster folder and describe it in the ``rasters`` table; list, find and
delete (see :mod:`geo.rasters` for why files and a table).

Files are named ``<kind>-<first 16 hex of their sha256>.tif``: importing the
same content twice reuses the file, and a file is never rewritten. Deleting
a raster deletes its row (the analyses stop using it at once); the file
stays in the folder, since another row or a backup may name it.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo import audit
from geo.config import get_database_settings
from geo.errors import Conflict, NotFound
from geo.models import Raster
from geo.rasters.checks import inspect, open_raster

_BLOCK = 1 << 20


class RasterSettings(BaseSettings):
    """``PEACEMAP_RASTER_DIR``: where raster files live (default ``<PEACEMAP_DATA_DIR>/rasters``)."""

    model_config = SettingsConfigDict(env_prefix="PEACEMAP_", extra="ignore")

    raster_dir: Path | None = None


@lru_cache
def get_raster_settings() -> RasterSettings:
    return RasterSettings()


def raster_dir() -> Path:
    """The raster folder of this deployment.

    Returns
    -------
    Path
    """
    return get_raster_settings().raster_dir or get_database_settings().data_dir / "rasters"


def sha256(path: Path) -> str:
    """The hex SHA-256 of a file.

    Parameters
    ----------
    path : Path

    Returns
    -------
    str
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _write_cog(path: Path, layer: str | None, kind: str, folder: Path) -> tuple[str, str]:
    """Copy the raster as a COG into ``folder``; returns (file name, checksum)."""
    import rasterio.shutil  # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")

    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".incoming-{uuid.uuid4().hex}.tif"
    try:
        with open_raster(path, layer) as src:
            rasterio.shutil.copy(
                src,
                tmp,
                driver="COG",
                COMPRESS="DEFLATE",
                BLOCKSIZE="512",
                OVERVIEWS="AUTO",
                RESAMPLING="NEAREST" if kind == "landcover" else "AVERAGE",
            )
        checksum = sha256(tmp)
        name = f"{kind}-{checksum[:16]}.tif"
        os.replace(tmp, folder / name)
    finally:
        tmp.unlink(missing_ok=True)
    return name, checksum


def store(
    session: Session,
    path: str | Path,
    kind: str,
    *,
    units: str | None = None,
    layer: str | None = None,
    name: str | None = None,
    provenance: str | None = None,
    who: str | None = None,
    folder: Path | None = None,
) -> dict:
    """Check a raster file, keep it as a COG and add it to the catalogue.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
        The row is added in its transaction (the caller commits).
    path : str or Path
        The file as received.
    kind : str
        ``friction``, ``population`` or ``landcover``.
    units : str, optional
        Population: ``people_per_cell`` (default) or ``people_per_km2``.
    layer : str, optional
        A raster table of a GeoPackage.
    name : str, optional
        A title (default: the file name without suffix).
    provenance : str, optional
        Where the data comes from (product, version, licence).
    who : str, optional
        The key or command that imported it (audit log).
    folder : Path, optional
        The raster folder (default :func:`raster_dir`).

    Returns
    -------
    dict
        The catalogue entry (:func:`describe`).
    """
    path = Path(path)
    facts = inspect(path, kind, units, layer)
    folder = folder or raster_dir()
    file, checksum = _write_cog(path, layer, kind, folder)
    row = Raster(
        kind=kind,
        name=(name or path.stem)[:200],
        file=file,
        checksum=checksum,
        crs=facts.crs_wkt,
        transform=list(facts.transform),
        width=facts.width,
        height=facts.height,
        dtype=facts.dtype,
        nodata=facts.nodata,
        units=facts.units,
        west=facts.bounds[0],
        south=facts.bounds[1],
        east=facts.bounds[2],
        north=facts.bounds[3],
        source_file=(path.name + (f":{layer}" if layer else ""))[:300],
        source_checksum=sha256(path),
        provenance=provenance,
        created_by=who,
    )
    session.add(row)
    session.flush()
    entry = describe(row)
    audit.record(session, who=who, action="import", resource="rasters", resource_id=row.id, after=entry)
    return entry


def _epsg(wkt: str) -> int | None:
    from rasterio.crs import CRS  # here, not at the top: a server starts without GDAL (bench/README.md, "Cold start")

    return CRS.from_wkt(wkt).to_epsg()


def describe(row: Raster) -> dict:
    """A catalogue row as JSON-ready data.

    Parameters
    ----------
    row : Raster

    Returns
    -------
    dict
        ``id``, ``kind``, ``name``, ``units``, ``crs`` (WKT), ``epsg`` (or
        None), ``transform`` (GDAL order), ``width``, ``height``, ``dtype``,
        ``nodata``, ``bbox`` (lon/lat), ``file``, ``checksum``,
        ``source_file``, ``source_checksum``, ``provenance``,
        ``created_at``, ``created_by``.
    """
    return {
        "id": row.id,
        "kind": row.kind,
        "name": row.name,
        "units": row.units,
        "crs": row.crs,
        "epsg": _epsg(row.crs),
        "transform": list(row.transform),
        "width": row.width,
        "height": row.height,
        "dtype": row.dtype,
        "nodata": row.nodata,
        "bbox": [row.west, row.south, row.east, row.north],
        "file": row.file,
        "checksum": row.checksum,
        "source_file": row.source_file,
        "source_checksum": row.source_checksum,
        "provenance": row.provenance,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "created_by": row.created_by,
    }


def list_rasters(session: Session, kind: str | None = None) -> list[Raster]:
    """The catalogue, newest first.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    kind : str, optional

    Returns
    -------
    list of Raster
    """
    stmt = select(Raster).order_by(Raster.id.desc())
    if kind is not None:
        stmt = stmt.where(Raster.kind == kind)
    return list(session.scalars(stmt))


def get_raster(session: Session, raster_id: int) -> Raster:
    """One catalogue row, or NotFound naming ``id``.

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    raster_id : int

    Returns
    -------
    Raster
    """
    row = session.get(Raster, raster_id)
    if row is None:
        raise NotFound(f"raster {raster_id} does not exist", field="id")
    return row


def current(session: Session, kind: str) -> Raster | None:
    """The raster of ``kind`` the analyses use: the newest one (None without one).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    kind : str

    Returns
    -------
    Raster or None
    """
    return session.scalars(select(Raster).where(Raster.kind == kind).order_by(Raster.id.desc()).limit(1)).first()


def file_of(row: Raster, folder: Path | None = None) -> Path:
    """The stored file of a catalogue row; Conflict when it is missing from the folder.

    Parameters
    ----------
    row : Raster
    folder : Path, optional

    Returns
    -------
    Path
    """
    path = (folder or raster_dir()) / row.file
    if not path.is_file():
        raise Conflict(
            f"raster {row.id} ({row.name}) is in the catalogue but its file {row.file} is not in the raster folder: "
            "restore it from a backup, or delete the raster and import it again",
            field="raster",
            cause=str(path),
        )
    return path


def delete_raster(session: Session, raster_id: int, *, who: str | None = None) -> None:
    """Remove a raster from the catalogue (its file stays: see the module docstring).

    Parameters
    ----------
    session : sqlalchemy.orm.Session
    raster_id : int
    who : str, optional

    Returns
    -------
    None
    """
    row = get_raster(session, raster_id)
    before = describe(row)
    session.delete(row)
    session.flush()
    audit.record(session, who=who, action="delete", resource="rasters", resource_id=raster_id, before=before)
