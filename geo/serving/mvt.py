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
    where the property is NULL (None: never NULL)."""

    name: str
    kind: str
    values: np.ndarray
    present: np.ndarray | None = None
    words: Sequence[str] = ()


def zigzag(v: np.ndarray) -> np.ndarray:
    """Protocol buffers' zigzag encoding of signed integers (as uint64)."""
    v = v.astype(np.int64)
    return ((v << 1) ^ (v >> 63)).astype(_U64)


def varint_lengths(v: np.ndarray) -> np.ndarray:
    """Bytes of each value's varint (uint64 values)."""
    n = np.ones(len(v), np.int64)
    for k in range(1, 10):
        n += v >= _U64(1 << (7 * k))
    return n


def varint(value: int) -> bytes:
    """One varint (the few fields of the layer and the tile)."""
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

    def write(self, out: np.ndarray, starts: np.ndarray) -> None:
        pos = starts.copy()
        for lengths, data in self.parts:
            if isinstance(data, bytes):
                if data:
                    out[pos[:, None] + np.arange(len(data))] = np.frombuffer(data, np.uint8)
            else:
                for k in range(int(lengths.max(initial=0))):
                    m = lengths > k
                    byte = (data[m] >> _U64(7 * k)) & _U64(0x7F)
                    byte |= np.where(lengths[m] > k + 1, _U64(0x80), _U64(0))
                    out[pos[m] + k] = byte.astype(np.uint8)
            pos += lengths


def _value_table(columns: list[Column]) -> tuple[list[bytes], list[np.ndarray]]:
    """The layer's values (encoded ``Value`` messages) and, per column, each
    feature's index into them (-1: NULL). One value per distinct (type, value),
    shared by the columns, as ``ST_AsMVT`` keeps them."""
    values: list[bytes] = []
    index: list[np.ndarray] = []
    words: dict[str, int] = {}
    typed: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {"uint": [], "sint": [], "bool": []}
    for c in columns:
        present = np.ones(len(c.values), bool) if c.present is None else c.present
        idx = np.full(len(c.values), -1, np.int64)
        if c.kind == "text":
            used, inverse = np.unique(c.values[present], return_inverse=True)
            slots = np.empty(len(used), np.int64)
            for i, code in enumerate(used.tolist()):
                word = str(c.words[code])
                if word not in words:
                    words[word] = len(values)
                    values.append(_field(1, word.encode()))
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
        if not chosen:
            continue
        distinct = np.unique(np.concatenate([v[m] for _, m, v in chosen]))
        codes = zigzag(distinct) if kind == "sint" else distinct.astype(_U64)
        base = len(values)
        values.extend(bytes([tag]) + varint(code) for code in codes.tolist())
        for idx, m, v in chosen:
            idx[m] = base + np.searchsorted(distinct, v[m])
    return values, index


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
    sizes = whole.lengths()
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    out = np.zeros(int(sizes.sum()), np.uint8)
    whole.write(out, starts)
    body = b"".join(
        [
            _field(1, layer.encode()),
            out.tobytes(),
            *(_field(3, c.name.encode()) for c in columns),
            *(_field(4, v) for v in values),
            bytes([5 << 3]) + varint(extent),
            bytes([15 << 3]) + varint(VERSION),
        ]
    )
    return _field(3, body)
