"""Export and OGC API benchmark (issue 5). Loads the demo at ``--scale``
(1 = reference scale, see bench/README.md) into a fresh database of its own cluster,
then measures:

- the GeoPackage export of every resource layer (``geo.io.export``: server-side
  cursor → Arrow batches → ``pyogrio.write_arrow``), against the obvious
  baseline measured in the same run: ``geopandas.read_postgis`` of each table
  followed by ``GeoDataFrame.to_file`` (whole tables in memory);
- GDAL's OAPIF driver (what QGIS uses) reading the incidents collection
  from a live server, features per second.

    .venv/bin/python bench/export.py [--scale 0.05]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.live import ChildServer
from geo.cluster import LocalCluster
from geo.db import make_engine, migrate
from geo.demo import load_demo
from geo.io.export import export_layers, write_geopackage
from geo.resources import REGISTRY

DB = "peacemap_bench_export"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.05)
    args = ap.parse_args()
    cluster = LocalCluster(Path(os.environ.get("PEACEMAP_BENCH_DIR", "/tmp/pm-bench-export")), fast=True)
    cluster.up()
    url = cluster.create_database(DB)
    migrate(url)
    engine = make_engine(url)
    t = time.perf_counter()
    rows = load_demo(engine, scale=args.scale)
    print(f"demo at scale {args.scale:g}: {sum(rows.values())} rows in {time.perf_counter() - t:.1f} s")
    try:
        with tempfile.TemporaryDirectory() as tmp, Session(engine) as session:
            t = time.perf_counter()
            counts = write_geopackage(
                session,
                Path(tmp) / "ours.gpkg",
                export_layers(include_sensitive=True, include_gaps=False, reader="bench"),
            )
            ours = time.perf_counter() - t
            t = time.perf_counter()
            base_path = Path(tmp) / "baseline.gpkg"
            for spec in REGISTRY.values():
                if spec.has_geometry:
                    frame = gpd.read_postgis(select(spec.model.__table__), engine, geom_col="geom")
                    frame.to_file(base_path, layer=spec.table, driver="GPKG", engine="pyogrio")
                else:  # an attribute table (interlocutors)
                    table = pd.read_sql(select(spec.model.__table__), engine)
                    pyogrio.write_dataframe(table, base_path, layer=spec.table, driver="GPKG", append=True)
            baseline = time.perf_counter() - t
            total = sum(counts.values())
            print(
                f"GeoPackage, {total} rows in {len(counts)} layers: {ours:.2f} s ({total / ours:,.0f} rows/s); "
                f"read_postgis + to_file {baseline:.2f} s → {baseline / ours:.1f}× faster"
            )
        server = ChildServer(url)
        base = server.url
        try:
            t = time.perf_counter()
            n = len(pyogrio.read_dataframe(f"OAPIF:{base}/ogc", layer="incidents"))
            took = time.perf_counter() - t
            print(f"OAPIF (GDAL) read of incidents: {n} features in {took:.1f} s ({n / took:,.0f} features/s)")
        finally:
            server.close()
    finally:
        engine.dispose()
        cluster.drop_database(DB)


if __name__ == "__main__":
    main()
