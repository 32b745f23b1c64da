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


class _Ragged:
    """Per-feature byte strings built from segments, each segment either a
    constant or a varint per feature (length 0 where absent), written into
    one buffer by array operations."""

    def __init__(self, n: int):
        self.n = n
        self.parts: list[tuple[np.ndarray, bytes | np.ndarray]] = []

    def const(self, data: bytes) -> None:
        self.parts.append((np.full(self.n, len(data), np.int64), data))

    def varints(self, values: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        values = values.astype(_U64)
        lengths = varint_lengths(values)
        if present is not None:
            lengths = np.where(present, lengths, 0)
        self.parts.append((lengths, values))
        return lengths

    def lengths(self) -> np.ndarray:
        total = np.zeros(self.n, np.int64)
        for lengths, _ in self.parts:
            total += lengths
        return total

    def bytes(self) -> bytes:
        """The features' byte strings, one after another: each feature a row of
        a byte matrix (every segment its widest), the absent bytes masked out."""
        widths = [len(d) if isinstance(d, bytes) else int(lengths.max(initial=0)) for lengths, d in self.parts]
        matrix = np.zeros((self.n, sum(widths)), np.uint8)
        valid = np.zeros((self.n, sum(widths)), bool)
        at = 0
        for (lengths, data), width in zip(self.parts, widths, strict=True):
            if isinstance(data, bytes):
                matrix[:, at : at + width] = np.frombuffer(data, np.uint8)
                valid[:, at : at + width] = True
            else:
                for k in range(width):
                    byte = (data >> _U64(7 * k)) & _U64(0x7F)
                    byte |= (lengths > k + 1).astype(_U64) << _U64(7)
                    matrix[:, at + k] = byte
                    valid[:, at + k] = lengths > k
            at += width
        return matrix[valid].tobytes()


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
    values = _Ragged(len(codes))
    values.const(bytes([4 << 3 | 2]))
    values.varints(1 + varint_lengths(codes))  # the Value's length: its tag byte and the varint (< 128)
    values.const(bytes([tag]))
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
            used, inverse = np.unique(c.values[present], return_inverse=True)
            slots = np.empty(len(used), np.int64)
            for i, code in enumerate(used.tolist()):
                word = str(c.words[code])
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
    for kind, tag in (("uint", 5 << 3), ("sint", 6 << 3), ("bool", 7 << 3)):
        chosen = typed[kind]
        ids = None
        if kind == "uint" and unique is not None:
            ids = columns[unique].values.astype(np.int64)
            index[unique] = count + np.arange(len(ids))
        distinct, where = _distinct(np.concatenate([np.zeros(0, np.int64), *(v[m] for _, m, v in chosen)]))
        slot = count + np.arange(len(distinct))
        fresh = distinct
        if ids is not None and len(ids):  # the ids first, one value each; the other columns' values may repeat them
            values.append(_framed_values(tag, ids.astype(_U64)))
            order = np.argsort(ids)
            j = np.minimum(np.searchsorted(ids[order], distinct), len(ids) - 1)
            repeat = ids[order][j] == distinct
            fresh = distinct[~repeat]
            slot[repeat] = count + order[j[repeat]]
            slot[~repeat] = count + len(ids) + np.arange(len(fresh))
            count += len(ids)
        if len(fresh):
            values.append(_framed_values(tag, zigzag(fresh) if kind == "sint" else fresh.astype(_U64)))
        count += len(fresh)
        at = 0
        for idx, m, _ in chosen:
            k = int(m.sum())
            idx[m] = slot[where[at : at + k]]
            at += k
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
    tags = _Ragged(n)
    for k, idx in enumerate(index):
        present = idx >= 0
        tags.varints(np.full(n, k, np.int64), present)
        tags.varints(np.maximum(idx, 0), present)
    geometry = _Ragged(n)
    geometry.const(bytes([MOVE_TO_ONE]))
    geometry.varints(zigzag(x))
    geometry.varints(zigzag(y))
    feature = _Ragged(n)
    feature.const(bytes([2 << 3 | 2]))  # tags, packed
    feature.varints(tags.lengths())
    feature.parts.extend(tags.parts)
    feature.const(bytes([3 << 3, POINT, 4 << 3 | 2]))  # type, then geometry (packed)
    feature.varints(geometry.lengths())
    feature.parts.extend(geometry.parts)
    whole = _Ragged(n)
    whole.const(bytes([2 << 3 | 2]))  # Layer.features
    whole.varints(feature.lengths())
    whole.parts.extend(feature.parts)
    body = b"".join(
        [
            _field(1, layer.encode()),
            whole.bytes(),
            *(_field(3, c.name.encode()) for c in columns),
            values,
            bytes([5 << 3]) + varint(extent),
            bytes([15 << 3]) + varint(VERSION),
        ]
    )
    return _field(3, body)
