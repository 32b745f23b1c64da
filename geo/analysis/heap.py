"""The garbage collector around the analysis' large, long-lived, acyclic data.

Why: CPython's cyclic collector runs every few hundred container
allocations and, now and then, traverses every tracked object of the
process. Writing the reasons of 50 000 communities allocates a few hundred
thousand small lists and dicts (no cycles among them), which set off
collections that each walk the whole heap — the resident inputs, every
cached result — for nothing; and a full collection landing in a small
update costs more than the update (bench/README.md, "Resident inputs").
So the collector is paused while such data is built (:func:`paused`), and
data that lives as long as the process (the resident inputs, read once)
is moved out of its sight once built (:func:`settle`, ``gc.freeze``).
Objects without cycles are still freed by reference counting when they are
dropped, frozen or not. The cached results are not frozen: they change with
every write, and freezing that often would keep cyclic garbage of other
threads out of reach until the next :func:`settle`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside the block (for building acyclic data).

    The collector is enabled again on leaving if it was enabled on entering;
    when threads overlap, the first to pause it enables it again, which only
    lets a collection happen earlier.

    Returns
    -------
    contextlib.AbstractContextManager
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def settle() -> None:
    """Move every object alive now out of the collector's sight, after
    collecting what is garbage now, including what an earlier call froze
    (``gc.unfreeze``, ``gc.collect``, ``gc.freeze``): call once long-lived
    data has been built, rarely (it costs a full collection) — a frozen object
    that later becomes part of unreachable cycles is only freed by the next call.

    Returns
    -------
    None
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
