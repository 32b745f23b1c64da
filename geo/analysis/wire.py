"""Decoding what PostgreSQL sends, in compiled loops (numba): the binary
``COPY`` format and (ISO) WKB line strings.

Why by hand: the resident inputs are read at every server start (the
reference scale is 1.4 million rows and 3.4 million track vertices), and
Python objects per row or per geometry cost seconds there (psycopg's row
tuples, shapely geometries); a binary ``COPY`` into one buffer, decoded here
straight into numpy columns, costs a few tens of milliseconds. The formats
are PostgreSQL's documented ``COPY … (FORMAT binary)`` (a header, then per
row a 16-bit field count and per field a 32-bit length, -1 for NULL, and
the value in the type's binary form, big-endian) and OGC WKB (byte order
flag, 32-bit type, counts, IEEE doubles).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from geo.errors import PeacemapError

NONE = np.iinfo(np.int64).min
SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
# Field kinds of :func:`decode_copy`: how each field's bytes are read.
INT, FLOAT, BOOL, VAR = 0, 1, 2, 3


class WireError(PeacemapError):
    """The server sent something this decoder does not read (a bug, never user input)."""


@njit(cache=True, nogil=True, inline="always")
def _be(buf, at, size):
    """An unsigned big-endian integer of ``size`` bytes at ``at``."""
    v = 0
    for k in range(size):
        v = (v << 8) | buf[at + k]
    return v


@njit(cache=True, nogil=True, inline="always")
def _signed(v, bits):
    return v - (1 << bits) if v >= (1 << (bits - 1)) else v


@njit(cache=True, nogil=True)
def _rows(buf, start):
    """How many rows follow the header."""
    at = start
    n = 0
    while True:
        fields = _signed(_be(buf, at, 2), 16)
        at += 2
        if fields == -1:
            return n
        for _ in range(fields):
            length = _signed(_be(buf, at, 4), 32)
            at += 4 + max(length, 0)
        n += 1


@njit(cache=True, nogil=True)
def _decode(buf, start, kinds, slot, n, n_int, n_float, n_var):
    ints = np.full((n_int, n), NONE, np.int64)
    floats = np.full((n_float, n), np.nan)
    offset = np.zeros((n_var, n), np.int64)
    length = np.full((n_var, n), -1, np.int64)
    word = np.empty(8, np.uint8)
    at = start
    for r in range(n):
        at += 2  # the field count, known
        for f in range(kinds.shape[0]):
            size = _signed(_be(buf, at, 4), 32)
            at += 4
            if size < 0:
                continue
            k = kinds[f]
            j = slot[f]
            if k == 0:
                v = _be(buf, at, size)
                ints[j, r] = v if size == 8 else _signed(v, 8 * size)  # 8 bytes wrap to the signed value
            elif k == 1:
                for b in range(8):
                    word[b] = buf[at + 7 - b]
                floats[j, r] = word.view(np.float64)[0]
            elif k == 2:
                ints[j, r] = buf[at]
            else:
                offset[j, r] = at
                length[j, r] = size
            at += size
    return ints, floats, offset, length


def decode_copy(buf: np.ndarray, kinds: np.ndarray) -> list[np.ndarray]:
    """The rows of a binary ``COPY``, column by column.

    Parameters
    ----------
    buf : numpy.ndarray of uint8
        Everything the server sent.
    kinds : numpy.ndarray of int64
        Per field: ``INT`` (int2/int4/int8), ``FLOAT`` (float8), ``BOOL`` or
        ``VAR`` (text, bytea: located, not copied).

    Returns
    -------
    list of numpy.ndarray
        Per field, one contiguous array: int64 for ``INT`` and ``BOOL``
        (``NONE`` for NULL), float64 for ``FLOAT`` (NaN for NULL), and for a
        ``VAR`` field an (2, rows) array of offsets in ``buf`` and lengths
        (-1 for NULL). Only what the fields need is allocated.
    """
    if len(buf) < 19 or bytes(buf[:11]) != SIGNATURE:
        raise WireError("not a binary COPY stream")
    start = 19 + int(_be(buf, 15, 4))  # signature, flags, header extension length
    kinds = np.asarray(kinds, np.int64)
    group = np.where(kinds == BOOL, INT, kinds)
    slot = np.zeros(len(kinds), np.int64)
    for g in (INT, FLOAT, VAR):
        slot[group == g] = np.arange(int((group == g).sum()))
    counts = [int((group == g).sum()) for g in (INT, FLOAT, VAR)]
    ints, floats, offset, length = _decode(buf, start, kinds, slot, _rows(buf, start), *counts)
    return [
        ints[j] if g == INT else floats[j] if g == FLOAT else np.stack([offset[j], length[j]])
        for g, j in zip(group.tolist(), slot.tolist(), strict=True)
    ]


@njit(cache=True, nogil=True, inline="always")
def _le32(buf, at):
    return buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)


@njit(cache=True, nogil=True, inline="always")
def _u32(buf, at, little):
    return _le32(buf, at) if little else _be(buf, at, 4)


@njit(cache=True, nogil=True)
def _line_header(buf, at):
    """(little-endian?, coordinates per vertex, type without dimensions) of the geometry at ``at``."""
    little = buf[at] == 1
    code = _u32(buf, at + 1, little)
    dims = 2 + (1 if (code // 1000) % 4 in (1, 2) else 0) + (2 if (code // 1000) % 4 == 3 else 0)
    return little, dims, code % 1000


@njit(cache=True, nogil=True)
def _walk_lines(buf, offsets, lengths, coords, line, owner, fill):
    """Count (``fill`` False) or copy the vertices of every (multi)line string."""
    nv = 0
    nl = 0
    word = np.empty(8, np.uint8)
    for r in range(offsets.shape[0]):
        if lengths[r] < 0:
            continue
        at = offsets[r]
        little, dims, kind = _line_header(buf, at)
        at += 5
        parts = 1
        if kind == 5:
            parts = _u32(buf, at, little)
            at += 4
        elif kind != 2:
            return -1, -1
        for _ in range(parts):
            if kind == 5:
                little, dims, sub = _line_header(buf, at)
                if sub != 2:
                    return -1, -1
                at += 5
            count = _u32(buf, at, little)
            at += 4
            for _v in range(count):
                if fill:
                    for c in range(2):
                        for b in range(8):
                            word[b] = buf[at + 8 * c + (b if little else 7 - b)]
                        coords[nv, c] = word.view(np.float64)[0]
                    line[nv] = nl
                at += 8 * dims
                nv += 1
            if fill:
                owner[nl] = r
            nl += 1
    return nv, nl


def decode_lines(
    buf: np.ndarray, offsets: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The vertices of WKB (multi)line strings, one per row (NULL: none).

    Parameters
    ----------
    buf : numpy.ndarray of uint8
    offsets, lengths : numpy.ndarray of int64
        Where each row's WKB is (``decode_copy``'s ``VAR`` field).

    Returns
    -------
    tuple of numpy.ndarray
        ``coords`` (v, 2) lon/lat, ``line`` (v,) the part of each vertex,
        ``owner`` (parts,) the row of each part — what
        :meth:`geo.analysis.tracks.TrackSet.from_parts` reads.
    """
    offsets, lengths = np.ascontiguousarray(offsets, np.int64), np.ascontiguousarray(lengths, np.int64)
    none2, none1 = np.zeros((0, 2)), np.zeros(0, np.int64)
    nv, nl = _walk_lines(buf, offsets, lengths, none2, none1, none1, False)
    if nv < 0:
        raise WireError("a track is not a WKB line string or multi line string")
    coords, line, owner = np.empty((nv, 2)), np.empty(nv, np.int64), np.empty(nl, np.int64)
    _walk_lines(buf, offsets, lengths, coords, line, owner, True)
    return coords, line, owner


def texts(buf: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """UTF-8 text fields as Python strings (None for NULL).

    Parameters
    ----------
    buf : numpy.ndarray of uint8
    offsets, lengths : numpy.ndarray of int64

    Returns
    -------
    numpy.ndarray of object
    """
    raw = buf.tobytes()
    out = np.empty(len(offsets), dtype=object)
    out[:] = [
        None if n < 0 else raw[o : o + n].decode() for o, n in zip(offsets.tolist(), lengths.tolist(), strict=True)
    ]
    return out


def compile_all() -> None:
    """Compile (or load from the disk cache) the decoders once, on a tiny stream.

    Returns
    -------
    None
    """
    row = (
        (2).to_bytes(2, "big")
        + (8).to_bytes(4, "big")
        + (7).to_bytes(8, "big")
        + (9).to_bytes(4, "big")
        + bytes([1, 2, 0, 0, 0, 0, 0, 0, 0])
    )
    stream = SIGNATURE + bytes(8) + row + (-1).to_bytes(2, "big", signed=True)
    buf = np.frombuffer(stream, np.uint8)
    wkb = decode_copy(buf, np.array([INT, VAR]))[1]
    _walk_lines(
        buf,
        wkb[0],
        np.full(1, -1, np.int64),
        np.zeros((0, 2)),
        np.zeros(0, np.int64),
        np.zeros(0, np.int64),
        False,
    )
