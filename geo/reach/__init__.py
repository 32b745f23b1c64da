"""Reach (docs/reach.md): how long it takes to get somewhere from the
mission's sites, over a friction surface loaded (the Malaria Atlas Project's,
minutes per metre) or built from roads, rivers, crossings and land cover in
a season; who lives within reach (population rasters); and where a QIP would
reach the most neglected people.

Modules: :mod:`~geo.reach.speeds` (the documented speed assumptions),
:mod:`~geo.reach.grid` (the equal-area grid), :mod:`~geo.reach.friction`
(building a surface), :mod:`~geo.reach.travel` (cost distance from many
sites at once), :mod:`~geo.reach.baseline` (scipy's Dijkstra, the tests' and
benchmark's reference), :mod:`~geo.reach.season` (which season a day is in).
"""
