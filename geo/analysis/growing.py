"""Arrays that grow at their end without copying what readers hold.

The resident inputs (:mod:`geo.analysis.resident`) change a few rows at a
time in tables of millions of rows and vertices; concatenating would copy
the whole table per change (hundreds of MB for the tracks).
"""

from __future__ import annotations

import numpy as np

ROOM_SHARE = 1 / 16  # spare room given to an array that grows


def appended(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` followed by ``b``, written into ``a``'s spare room when it has some.

    Why: the resident inputs change a few rows at a time in tables of
    millions; concatenating would copy the whole table per change. ``a`` is a
    view of the first ``len(a)`` rows of a larger buffer; ``b`` goes right
    after them, which no reader of ``a`` ever looks at (the resident store
    only ever appends to its newest version). Without room, a new buffer
    with ``ROOM_SHARE`` spare is allocated.

    Parameters
    ----------
    a, b : numpy.ndarray
        Same dtype and trailing shape.

    Returns
    -------
    numpy.ndarray
        A view of ``len(a) + len(b)`` rows.
    """
    n, k = len(a), len(b)
    buf = a.base
    if (
        isinstance(buf, np.ndarray)
        and buf.base is None
        and buf.dtype == a.dtype
        and buf.shape[1:] == a.shape[1:]
        and buf.ctypes.data == a.ctypes.data
        and a.flags.c_contiguous
        and len(buf) >= n + k
    ):
        buf[n : n + k] = b
        return buf[: n + k]
    buf = np.empty((n + k + int(ROOM_SHARE * (n + k)) + 64, *a.shape[1:]), a.dtype)
    buf[:n] = a
    buf[n : n + k] = b
    return buf[: n + k]


def joined(parts: list[np.ndarray]) -> np.ndarray:
    """The parts one after another, in one buffer with ``ROOM_SHARE`` spare
    room (pages not yet written cost no memory), as :func:`appended` leaves it.

    Parameters
    ----------
    parts : list of numpy.ndarray
        Same dtype and trailing shape.

    Returns
    -------
    numpy.ndarray
        A view of the rows of every part.
    """
    n = sum(len(p) for p in parts)
    buf = np.empty((n + int(ROOM_SHARE * n) + 64, *parts[0].shape[1:]), parts[0].dtype)
    at = 0
    for p in parts:
        buf[at : at + len(p)] = p
        at += len(p)
    return buf[:n]
