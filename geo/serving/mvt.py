"""A Mapbox vector tile of one layer of points, encoded with numpy.

Why hand-written: a tile of the incidents at wide zoom holds thousands of
points, and encoding them is what a tile costs — PostGIS's ``ST_AsMVT`` takes
most of a cold tile's time (bench/README.md, vector tiles), and the Python
encoders (mapbox-vector-tile) build one object per feature. Here every step
is an array operation over all the tile's features at once: the varints of
the tags and of the zigzagged geometry are written into one byte buffer at
offsets computed by cumulative sums. What it writes is what ``ST_AsMVT``
writes for such rows (PostGIS 3.3 ``mvt.c``): one layer (version 2, the given
extent), keys in column order, one value per distinct (type, value) shared
by every column, integers as ``uint_value`` (≥ 0) or ``sint_value`` (< 0),
booleans as ``bool_value``, every other type as the text PostgreSQL prints
(``string_value``), a NULL left out of the feature's tags, no feature id,
each point one ``MoveTo``. A tile without features is empty (no bytes), as
the tile route has always answered then. tests/api/test_tiles_resident.py
decodes both encoders' tiles with mapbox-vector-tile and requires them equal.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

POINT = 1  # Tile.GeomType.POINT
MOVE_TO_ONE = 9  # command MoveTo (1) with count 1: (1 & 7) | (1 << 3)
VERSION = 2
_U64 = np.uint64


@dataclass(frozen=True)
class Column:
    """One property of the tile's features.

    ``kind``: ``"int"`` (``values`` int64), ``"bool"`` (``values`` bool) or
    ``"text"`` (``values`` int32 codes into ``words``); ``present``: False
    where the property is NULL (None: never NULL); ``distinct``: an ``"int"``
    column whose values are all different and ≥ 0 (at most one such column)."""

    name: str
    kind: str
    values: np.ndarray
    present: np.ndarray | None = None
    words: Sequence[str] = ()
    distinct: bool = False  # every value differs and none is NULL (the features' ids): no search for repeats


def zigzag(v: np.ndarray) -> np.ndarray:
    """Protocol buffers' zigzag encoding of signed integers (as uint64)."""
    v = v.astype(np.int64)
    return ((v << 1) ^ (v >> 63)).astype(_U64)


_VARINT_LIMITS = np.array([1 << (7 * k) for k in range(1, 10)], _U64)  # the least value of k + 1 bytes


def varint_lengths(v: np.ndarray) -> np.ndarray:
    """Bytes of each value's varint (uint64 values)."""
    return np.searchsorted(_VARINT_LIMITS, v, side="right") + 1


def varint(value: int) -> bytes:
    """One varint (the few fields of the layer and the tile)."""
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


SMALL = 4096  # slots (rows × columns) up to which every byte is made at once


def varint_rows(values: np.ndarray, lengths: np.ndarray) -> bytes:
    """Rows of varints, one after another: ``values`` (n × s, uint64) with
    their ``lengths`` in bytes (0: left out), the bytes that exist kept in row
    order. A small tile's time is numpy's cost per call, so its bytes are made
    at once over a third axis (the byte's position); a big tile's is memory
    traffic, so each column gets only as many byte columns as its longest
    varint (most are one constant byte)."""
    n, s = values.shape
    if n * s <= SMALL:
        width = int(lengths.max(initial=0))
        cube = np.empty((n, s, width), np.uint8)
        rest = values.copy()
        for k in range(width):  # byte k of every varint: its 7 bits, the high bit where more follow
            cube[:, :, k] = (rest & _U64(0x7F)).astype(np.uint8) | ((lengths > k + 1).astype(np.uint8) << np.uint8(7))
            rest >>= _U64(7)
        return cube[lengths[:, :, None] > np.arange(width)].tobytes()
    widths = lengths.max(axis=0).tolist()
    out = np.empty((sum(widths), n), np.uint8)  # one row per byte column: each written contiguously
    keep = np.empty((sum(widths), n), bool)
    at = 0
    for j, width in enumerate(widths):
        value, length = values[:, j], lengths[:, j]
        if width == 1 and bool((length == 1).all()):
            out[at] = value
            keep[at] = True
            at += 1
            continue
        for k in range(width):
            out[at] = ((value >> _U64(7 * k)) & _U64(0x7F)).astype(np.uint8) | ((length > k + 1).astype(np.uint8) << 7)
            keep[at] = length > k
            at += 1
    return out.T[keep.T].tobytes()


@functools.lru_cache(maxsize=2**16)
def _string_value(word: str) -> bytes:
    """The ``Layer.values`` field of a string (kept: the same words recur in every tile)."""
    return _field(4, _field(1, word.encode()))


def _distinct(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of ``v`` and each value's position among
    them; by a table where the values span a small range (counts, codes)."""
    if not len(v):
        return v, np.zeros(0, np.int64)
    lo, hi = int(v.min()), int(v.max())
    if hi - lo < 4 * len(v) + 1024:
        seen = np.zeros(hi - lo + 1, bool)
        seen[v - lo] = True
        return np.flatnonzero(seen) + lo, (np.cumsum(seen) - 1)[v - lo]
    distinct, inverse = np.unique(v, return_inverse=True)
    return distinct, inverse.ravel()


def _framed_values(tag: int, codes: np.ndarray) -> bytes:
    """``Layer.values`` fields, each a ``Value`` holding one varint field ``tag`` (uint64 ``codes``)."""
    codes = codes.astype(_U64)
    n = len(codes)
    values = np.empty((n, 4), _U64)
    lengths = np.ones((n, 4), np.int64)
    lengths[:, 3] = varint_lengths(codes)
    values[:, 0] = 4 << 3 | 2
    values[:, 1] = 1 + lengths[:, 3]  # the Value's length: its tag byte and the code (< 128)
    values[:, 2] = tag
    values[:, 3] = codes
    return varint_rows(values, lengths)


def _value_table(columns: list[Column]) -> tuple[bytes, list[np.ndarray]]:
    """The layer's values (``Layer.values`` fields) and, per column, each
    feature's index into them (-1: NULL). One value per distinct (type, value),
    shared by the columns, as ``ST_AsMVT`` keeps them."""
    values: list[bytes] = []
    count = 0
    index: list[np.ndarray] = []
    typed: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {"uint": [], "sint": [], "bool": []}
    unique = next((i for i, c in enumerate(columns) if c.distinct), None)
    texts: list[tuple[np.ndarray, np.ndarray, Column]] = []
    for c in columns:
        present = np.ones(len(c.values), bool) if c.present is None else c.present
        idx = np.full(len(c.values), -1, np.int64)
        if c.distinct:
            pass  # indexed below, with the integers
        elif c.kind == "text":
            texts.append((idx, present, c))
        elif c.kind == "int":
            v = c.values.astype(np.int64)
            typed["uint"].append((idx, present & (v >= 0), v))
            typed["sint"].append((idx, present & (v < 0), v))
        elif c.kind == "bool":
            typed["bool"].append((idx, present, c.values.astype(np.int64)))
        else:
            raise ValueError(f"column {c.name!r}: kind {c.kind!r} is not encoded here")
        index.append(idx)
    if texts:  # every text column's words at once, the commonest first (the shortest indices)
        lists = list({id(c.words): c.words for _, _, c in texts}.values())  # one, where the columns share their words
        keys = np.concatenate(
            [(np.int64(lists.index(c.words)) << 32) | c.values[m].astype(np.int64) for _, m, c in texts]
        )
        used, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        order = np.argsort(-counts, kind="stable")
        chosen = used[order].tolist()
        spelled = [str(lists[k >> 32][k & 0xFFFFFFFF]) for k in chosen]
        at_word: dict[str, int] = {}
        for w in spelled:
            at_word.setdefault(w, count + len(at_word))
        slots = np.empty(len(used), np.int64)
        slots[order] = [at_word[w] for w in spelled]
        values.extend(_string_value(w) for w in at_word)
        count += len(at_word)
        at = 0
        for idx, m, _ in texts:
            k = int(m.sum())
            idx[m] = slots[inverse.ravel()[at : at + k]]
            at += k
    # The ids come last (one value each, used once: their indices are long varints anyway), so
    # that the values many features share get the short indices; a value of another column
    # that equals an id is that id's value.
    ids = columns[unique].values.astype(np.int64) if unique is not None else np.zeros(0, np.int64)
    repeats: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (index array, its slots, positions among the ids)
    for kind, tag in (("uint", 5 << 3), ("sint", 6 << 3), ("bool", 7 << 3)):
        chosen = typed[kind]
        distinct, where = _distinct(np.concatenate([np.zeros(0, np.int64), *(v[m] for _, m, v in chosen)]))
        repeat = np.zeros(len(distinct), bool)
        position = np.zeros(len(distinct), np.int64)  # of the id a repeated value equals
        if kind == "uint" and len(ids) and len(distinct):
            near = np.flatnonzero((ids >= distinct[0]) & (ids <= distinct[-1]))  # the ids in the others' range
            if len(near):
                order = np.argsort(ids[near])
                ranked = ids[near][order]
                j = np.minimum(np.searchsorted(ranked, distinct), len(near) - 1)
                repeat = ranked[j] == distinct
                position = near[order[j]]
        fresh = distinct[~repeat]
        slot = np.full(len(distinct), -1, np.int64)
        slot[~repeat] = count + np.arange(len(fresh))
        if len(fresh):
            values.append(_framed_values(tag, zigzag(fresh) if kind == "sint" else fresh.astype(_U64)))
        count += len(fresh)
        at = 0
        for idx, m, _ in chosen:
            k = int(m.sum())
            idx[m] = slot[where[at : at + k]]
            if repeat.any():
                chosen_repeat = repeat[where[at : at + k]]
                repeats.append((idx, np.flatnonzero(m)[chosen_repeat], position[where[at : at + k]][chosen_repeat]))
            at += k
    if unique is not None:
        index[unique] = count + np.arange(len(ids))
        for idx, hit, position in repeats:
            idx[hit] = count + position
        values.append(_framed_values(5 << 3, ids.astype(_U64)))
    return b"".join(values), index


def point_tile(layer: str, extent: int, x: np.ndarray, y: np.ndarray, columns: list[Column]) -> bytes:
    """The MVT of one layer named ``layer`` whose features are the points
    (``x``, ``y``) (integer tile coordinates) with the properties ``columns``
    (the keys in this order); empty when there is no point.

    Parameters
    ----------
    layer : str
    extent : int
    x, y : numpy.ndarray of int64
    columns : list of Column

    Returns
    -------
    bytes
    """
    n = len(x)
    if n == 0:
        return b""
    values, index = _value_table(columns)
    # One row of varint slots per feature: Layer.features tag, the feature's length, Feature.tags
    # tag (packed), their length, a (key, value) pair per property (left out where NULL),
    # Feature.type = POINT, Feature.geometry tag (packed), its length, MoveTo, x, y.
    p = len(index)
    t = 4 + 2 * p
    slots = np.zeros((n, t + 7), _U64)
    lengths = np.ones((n, t + 7), np.int64)
    slots[:, 0] = slots[:, 2] = 2 << 3 | 2
    if p:
        idx = np.stack(index, axis=1)
        present = idx >= 0
        idx = np.maximum(idx, 0).astype(_U64)
        slots[:, 4:t:2] = np.arange(p, dtype=_U64)
        lengths[:, 4:t:2] = present
        slots[:, 5:t:2] = idx
        lengths[:, 5:t:2] = varint_lengths(idx) * present
    slots[:, t : t + 3] = np.array([3 << 3, POINT, 4 << 3 | 2], _U64)
    slots[:, t + 4] = MOVE_TO_ONE
    slots[:, t + 5] = zigzag(x)
    slots[:, t + 6] = zigzag(y)
    lengths[:, t + 5 :] = varint_lengths(slots[:, t + 5 :])
    slots[:, t + 3] = lengths[:, t + 4 :].sum(axis=1)  # < 128
    slots[:, 3] = lengths[:, 4:t].sum(axis=1)
    lengths[:, 3] = varint_lengths(slots[:, 3])
    slots[:, 1] = lengths[:, 2:].sum(axis=1)
    lengths[:, 1] = varint_lengths(slots[:, 1])
    body = b"".join(
        [
            _field(1, layer.encode()),
            varint_rows(slots, lengths),
            *(_field(3, c.name.encode()) for c in columns),
            values,
            bytes([5 << 3]) + varint(extent),
            bytes([15 << 3]) + varint(VERSION),
        ]
    )
    return _field(3, body)
