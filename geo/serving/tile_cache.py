"""Made vector tiles kept in memory, so a tile asked for again costs one small
query (its data version) instead of PostGIS encoding thousands of features.

A tile is stored under its ETag (``geo.serving.tiles.etag``), which holds the
version of the layer's data in the analysis change log: every committed
insert, update, delete or truncate of the layer's table moves that version,
so a tile made before a write is never found again once the write is
visible — it cannot be served stale. Only layers whose version comes from
the change log are cached (``geo.serving.tiles.cacheable``). When a request
sees a new version of a layer, that layer's tiles of other versions are
dropped at once; the rest of the bound is least-recently-used.

The bound is on bytes (tile bytes plus a fixed charge per entry for its key),
per server process; a tile larger than the whole bound is not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

ENTRY_OVERHEAD = 200  # bytes charged per entry beyond the tile (key, bookkeeping)


class TileCache:
    """A byte-bounded LRU of tiles by (layer, version, ETag); thread-safe (the
    tile routes run in the server's thread pool)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._versions: dict[str, str] = {}
        self._size = 0
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """Bytes charged now (tiles plus their per-entry overhead)."""
        return self._size

    def __len__(self) -> int:
        return len(self._tiles)

    def get(self, layer: str, version: str, tag: str) -> bytes | None:
        """The tile stored under ``tag`` for ``layer`` at ``version``, or None."""
        with self._lock:
            self._see(layer, version)
            data = self._tiles.get((layer, version, tag))
            if data is not None:
                self._tiles.move_to_end((layer, version, tag))
            return data

    def current(self, layer: str) -> str | None:
        """The version of ``layer`` that requests saw last (None: none yet): a
        guess of the version now, which a caller must check before serving a
        tile kept under it."""
        with self._lock:
            return self._versions.get(layer)

    def holds(self, layer: str, version: str, tag: str) -> bool:
        """Whether the tile ``tag`` of ``layer`` at ``version`` is kept (without using it)."""
        with self._lock:
            return (layer, version, tag) in self._tiles

    def see(self, layer: str, version: str) -> None:
        """A request read ``layer`` at ``version`` (without asking for a kept tile)."""
        with self._lock:
            self._see(layer, version)

    def put(self, layer: str, version: str, tag: str, data: bytes) -> None:
        """Keep ``data``, the tile ``tag`` made from ``layer``'s data at ``version``."""
        cost = len(data) + ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return
        with self._lock:
            if self._versions.setdefault(layer, version) != version:  # not the version requests see now
                return
            old = self._tiles.pop((layer, version, tag), None)
            if old is not None:
                self._size -= len(old) + ENTRY_OVERHEAD
            self._tiles[(layer, version, tag)] = data
            self._size += cost
            while self._size > self.max_bytes:
                _, dropped = self._tiles.popitem(last=False)
                self._size -= len(dropped) + ENTRY_OVERHEAD

    def _see(self, layer: str, version: str) -> None:
        """A request saw ``layer`` at ``version``: a new version drops the layer's other tiles."""
        if self._versions.get(layer) == version:
            return
        self._versions[layer] = version
        for key in [k for k in self._tiles if k[0] == layer and k[1] != version]:
            self._size -= len(self._tiles.pop(key)) + ENTRY_OVERHEAD
