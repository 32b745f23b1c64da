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


def varint_rows(values: np.ndarray, lengths: np.ndarray) -> bytes:
    """Rows of varints, one after another: ``values`` (n × s, uint64) with
    their ``lengths`` in bytes (0: left out). Every byte of every varint is
    made at once (a third axis over the byte's position), then the bytes that
    exist are kept, in row order — a handful of array operations whatever the
    number of features, which is what a small tile's time is made of."""
    width = int(lengths.max(initial=0))
    k = np.arange(width, dtype=_U64)
    data = (values[:, :, None] >> (k * _U64(7))) & _U64(0x7F)
    data |= (lengths[:, :, None] > (k + _U64(1)).astype(np.int64)).astype(_U64) << _U64(7)
    return data.astype(np.uint8)[lengths[:, :, None] > k.astype(np.int64)].tobytes()


class _Rows:
    """The varint slots of n rows (features or values), filled left to right;
    a constant byte is a one-byte varint."""

    def __init__(self, n: int):
        self.n = n
        self.values: list[np.ndarray] = []
        self.lengths: list[np.ndarray] = []

    def const(self, *data: int) -> None:
        for byte in data:
            self.values.append(np.full(self.n, byte, _U64))
            self.lengths.append(np.ones(self.n, np.int64))

    def varints(self, values: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """Add a slot; returns its lengths."""
        values = values.astype(_U64)
        lengths = varint_lengths(values)
        if present is not None:
            lengths = np.where(present, lengths, 0)
        self.values.append(values)
        self.lengths.append(lengths)
        return lengths

    def size(self, start: int) -> np.ndarray:
        """Bytes of slots ``start`` onwards, per row."""
        return np.sum(self.lengths[start:], axis=0) if len(self.lengths) > start else np.zeros(self.n, np.int64)

    def bytes(self) -> bytes:
        return varint_rows(np.stack(self.values, axis=1), np.stack(self.lengths, axis=1))


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
    values = _Rows(len(codes))
    values.const(4 << 3 | 2)
    values.varints(1 + varint_lengths(codes))  # the Value's length: its tag byte and the code (< 128)
    values.const(tag)
    values.varints(codes)
    return values.bytes()


def _value_table(columns: list[Column]) -> tuple[bytes, list[np.ndarray]]:
    """The layer's values (``Layer.values`` fields) and, per column, each
    feature's index into them (-1: NULL). One value per distinct (type, value),
    shared by the columns, as ``ST_AsMVT`` keeps them."""
    values: list[bytes] = []
    count = 0
    index: list[np.ndarray] = []
    words: dict[str, int] = {}
    typed: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {"uint": [], "sint": [], "bool": []}
    unique = next((i for i, c in enumerate(columns) if c.distinct), None)
    for c in columns:
        present = np.ones(len(c.values), bool) if c.present is None else c.present
        idx = np.full(len(c.values), -1, np.int64)
        if c.distinct:
            pass  # indexed below, with the integers
        elif c.kind == "text":
            used, inverse, counts = np.unique(c.values[present], return_inverse=True, return_counts=True)
            slots = np.empty(len(used), np.int64)
            for i in np.argsort(-counts, kind="stable").tolist():  # the commonest words get the shortest indices
                word = str(c.words[used[i]])
                if word not in words:
                    words[word] = count
                    count += 1
                    values.append(_field(4, _field(1, word.encode())))
                slots[i] = words[word]
            idx[present] = slots[inverse]
        elif c.kind == "int":
            v = c.values.astype(np.int64)
            typed["uint"].append((idx, present & (v >= 0), v))
            typed["sint"].append((idx, present & (v < 0), v))
        elif c.kind == "bool":
            typed["bool"].append((idx, present, c.values.astype(np.int64)))
        else:
            raise ValueError(f"column {c.name!r}: kind {c.kind!r} is not encoded here")
        index.append(idx)
    # The ids come last (one value each, used once: their indices are long varints anyway), so
    # that the values many features share get the short indices; a value of another column
    # that equals an id is that id's value.
    ids = columns[unique].values.astype(np.int64) if unique is not None else np.zeros(0, np.int64)
    order = np.argsort(ids)
    repeats: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (index array, its slots, positions among the ids)
    for kind, tag in (("uint", 5 << 3), ("sint", 6 << 3), ("bool", 7 << 3)):
        chosen = typed[kind]
        distinct, where = _distinct(np.concatenate([np.zeros(0, np.int64), *(v[m] for _, m, v in chosen)]))
        repeat = np.zeros(len(distinct), bool)
        j = np.zeros(len(distinct), np.int64)
        if kind == "uint" and len(ids):
            j = np.minimum(np.searchsorted(ids[order], distinct), len(ids) - 1)
            repeat = ids[order][j] == distinct
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
                hit = np.flatnonzero(m)[repeat[where[at : at + k]]]
                repeats.append((idx, hit, order[j][where[at : at + k]][repeat[where[at : at + k]]]))
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
    rows = _Rows(n)
    rows.const(2 << 3 | 2)  # Layer.features
    rows.varints(np.zeros(n, _U64))  # the feature's length (slot 1), set below
    rows.const(2 << 3 | 2)  # Feature.tags, packed
    rows.varints(np.zeros(n, _U64))  # their length (slot 3), set below
    for k, idx in enumerate(index):
        present = idx >= 0
        rows.varints(np.full(n, k, _U64), present)
        rows.varints(np.maximum(idx, 0), present)
    tags_end = len(rows.values)
    rows.const(3 << 3, POINT, 4 << 3 | 2)  # Feature.type, Feature.geometry (packed)
    rows.const(0)  # the geometry's length (slot tags_end + 3, < 128), set below
    rows.const(MOVE_TO_ONE)
    rows.varints(zigzag(x))
    rows.varints(zigzag(y))
    rows.values[tags_end + 3] = rows.size(tags_end + 4).astype(_U64)
    rows.values[3] = np.sum(rows.lengths[4:tags_end], axis=0).astype(_U64) if tags_end > 4 else np.zeros(n, _U64)
    rows.lengths[3] = varint_lengths(rows.values[3])
    rows.values[1] = rows.size(2).astype(_U64)
    rows.lengths[1] = varint_lengths(rows.values[1])
    body = b"".join(
        [
            _field(1, layer.encode()),
            rows.bytes(),
            *(_field(3, c.name.encode()) for c in columns),
            values,
            bytes([5 << 3]) + varint(extent),
            bytes([15 << 3]) + varint(VERSION),
        ]
    )
    return _field(3, body)
