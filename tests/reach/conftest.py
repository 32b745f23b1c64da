"""Fixtures of the reach tests (rasters, friction, travel time, population,
QIP siting): a raster folder of their own, and GeoTIFFs written with
rasterio in the shapes of the real products (the Malaria Atlas Project's
friction surface, WorldPop population, MODIS land cover)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from geo.config import PROJECT_ROOT
from geo.rasters.catalogue import get_raster_settings

PEACEMAP = Path(sys.executable).with_name("peacemap")


@pytest.fixture
def raster_folder(tmp_path, monkeypatch) -> Path:
    """``PEACEMAP_RASTER_DIR`` set to a folder of this test's own."""
    folder = tmp_path / "rasters"
    monkeypatch.setenv("PEACEMAP_RASTER_DIR", str(folder))
    get_raster_settings.cache_clear()
    yield folder
    get_raster_settings.cache_clear()


def _write_tif(path: Path, array: np.ndarray, *, crs="EPSG:4326", transform=None, nodata=None, **profile) -> Path:
    """One GeoTIFF band (``crs=None`` or ``transform=None`` leave them out)."""
    a = np.asarray(array)
    opts = {"driver": "GTiff", "width": a.shape[-1], "height": a.shape[-2], "count": 1 if a.ndim == 2 else a.shape[0]}
    opts.update(dtype=a.dtype.name, nodata=nodata, **profile)
    if crs is not None:
        opts["crs"] = crs
    if transform is not None:
        opts["transform"] = transform
    with rasterio.open(path, "w", **opts) as ds:
        ds.write(a if a.ndim == 3 else a[None])
    return path


@pytest.fixture(scope="session")
def write_tif():
    """``write_tif(path, array, crs=…, transform=…, nodata=…)``: a GeoTIFF written by rasterio."""
    return _write_tif


def _map_friction(path: Path, west=17.0, north=5.0, cells=(40, 60), seed=1) -> tuple[Path, np.ndarray]:
    """A Malaria Atlas Project 2019-shaped friction surface: minutes per metre,
    EPSG:4326 at 30 arc-seconds (~0.9 km), float32, nodata -9999 (water)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.0008, 0.05, cells).astype(np.float32)  # 75 km/h roads … 1.2 km/h forest
    a[5, :7] = -9999.0
    _write_tif(path, a, transform=from_origin(west, north, 1 / 120, 1 / 120), nodata=-9999.0)
    return path, a


@pytest.fixture(scope="session")
def map_friction():
    """``map_friction(path, west, north, cells)`` → (path, array): a MAP-shaped friction GeoTIFF."""
    return _map_friction


def _run_cli(url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "PEACEMAP_DATABASE_URL": url, **(env or {})}
    return subprocess.run(
        [str(PEACEMAP), *args], check=False, cwd=PROJECT_ROOT, env=full, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="session")
def run_cli():
    """``run_cli(db_url, "import", "friction", FILE, env={…})``: the ``peacemap`` command in a process."""
    return _run_cli
