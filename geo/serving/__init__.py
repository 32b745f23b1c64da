"""Serving features to clients fast and by the standards: pages of GeoJSON
built in SQL with keyset cursors (:mod:`geo.serving.pages`), OGC API Features
Part 2 coordinate systems (:mod:`geo.serving.crs`), Part 3 queryables and
CQL2 filters (:mod:`geo.serving.queryables`, :mod:`geo.serving.cql`) and
Mapbox vector tiles (:mod:`geo.serving.tiles`). Everything is derived from
the resource registry (``geo.resources.REGISTRY``)."""
