"""The demo scenario (issue 2, item 6): real CAR towns, everything else
synthetic, seeded and scalable up to the DESIGN §9 reference scale."""

from geo.demo.generate import generate
from geo.demo.loader import load, load_demo
from geo.demo.scenario import DEMO_SCALE, REFERENCE_COUNTS, Scenario, counts_for

__all__ = ["DEMO_SCALE", "REFERENCE_COUNTS", "Scenario", "counts_for", "generate", "load", "load_demo"]
