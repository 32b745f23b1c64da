"""The resources the product stores and serves, each declared once.

Every module of this package that defines ``SPEC`` (a
:class:`~geo.resources.spec.ResourceSpec`) declares one resource;
:data:`REGISTRY` collects them. The API routes, the OGC collections, the
importers, the exports and the completeness test all walk this registry, so
adding a resource means: its model (``geo/models.py``), a migration and one
module here (plus a layer module if it is drawn on the map).
"""

from __future__ import annotations

import importlib
import pkgutil
from itertools import pairwise

from geo.errors import NotFound
from geo.resources.spec import Filter, Link, ResourceSpec

__all__ = ["REGISTRY", "Filter", "Link", "ResourceSpec", "get_spec"]


def _discover() -> dict[str, ResourceSpec]:
    specs = []
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        spec = getattr(module, "SPEC", None)
        if not isinstance(spec, ResourceSpec):
            continue
        if module_info.name != spec.name.replace("-", "_"):
            raise ValueError(f"{module.__name__} declares {spec.name!r}: name the module after the resource")
        specs.append(spec)
    by_order = sorted(specs, key=lambda s: s.order)
    for a, b in pairwise(by_order):
        if a.order == b.order:
            raise ValueError(f"resources {a.name!r} and {b.name!r} both have order {a.order}")
    return {s.name: s for s in by_order}


REGISTRY: dict[str, ResourceSpec] = _discover()
"""Resource name (as in the URL) → spec, in listing order."""


def get_spec(name: str) -> ResourceSpec:
    """The spec of resource ``name``; NotFound naming ``resource`` otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise NotFound(f"unknown resource {name!r}; one of {', '.join(REGISTRY)}", field="resource") from None
