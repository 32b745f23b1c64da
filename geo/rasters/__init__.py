"""Raster layers as first-class data (docs/reach.md): friction, population
and land cover.

**How they are kept.** Each imported raster is written once, unchanged in
values, CRS and georeference, as a Cloud-Optimized GeoTIFF (deflate, tiled,
with overviews) in the raster folder (``PEACEMAP_RASTER_DIR``, default
``<PEACEMAP_DATA_DIR>/rasters``), named by its kind and content hash, and
described by one row of the ``rasters`` table (:mod:`geo.rasters.catalogue`):
kind, units, CRS, transform, size, nodata, lon/lat bounds and provenance
(source file name and checksum, who imported it, when).

*Why files and not PostGIS raster:* every computation on these layers
(friction surfaces, cost-distance, population sums) runs in numpy through
rasterio, which reads a COG by windows and reprojects on the fly
(``WarpedVRT``); PostGIS raster would need the ``postgis_raster`` extension
and its GDAL drivers enabled on every deployment, and would hand the same
arrays back through SQL at a cost. A COG is also what QGIS and GDAL read
directly (``/vsicurl/`` on the download link), and the files are immutable:
a file is never rewritten, so a reader never sees half a raster. The
catalogue row is the transaction: a raster exists for the analyses once its
row is committed; the change-log triggers on ``rasters`` (migration 0005)
make the cached analyses see it.

*Backups:* the database holds the catalogue, the folder the files; back up
both (the GeoPackage export carries the rasters as gridded-coverage tables,
:mod:`geo.rasters.export`).

Modules: :mod:`~geo.rasters.checks` (what a file must be, with the reason it
is refused), :mod:`~geo.rasters.catalogue` (store, list, find, delete),
:mod:`~geo.rasters.grid` (target grids and reading a raster onto one),
:mod:`~geo.rasters.legend` (the IGBP land-cover legend),
:mod:`~geo.rasters.export` (GeoPackage raster tables).
"""
