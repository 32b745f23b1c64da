"""The server's store of made vector tiles (geo.serving.tile_cache): bounded
in bytes, least recently used first out, and a new data version of a layer
drops that layer's older tiles."""

from __future__ import annotations

from geo.serving.tile_cache import ENTRY_OVERHEAD, TileCache


def test_the_bound_in_bytes_drops_the_least_recently_used():
    cache = TileCache(3 * (100 + ENTRY_OVERHEAD))
    for tag in "abc":
        cache.put("incidents", "v1", tag, bytes(100))
    assert cache.get("incidents", "v1", "a") == bytes(100)  # a is now the most recent
    cache.put("incidents", "v1", "d", bytes(100))
    assert cache.get("incidents", "v1", "b") is None  # b was the least recently used
    assert [cache.get("incidents", "v1", t) is not None for t in "acd"] == [True, True, True]
    assert cache.size == 3 * (100 + ENTRY_OVERHEAD) and len(cache) == 3
    cache.put("incidents", "v1", "huge", bytes(10_000))  # larger than the whole bound: not kept, nothing dropped
    assert cache.get("incidents", "v1", "huge") is None and len(cache) == 3


def test_a_new_version_drops_the_layers_older_tiles_only():
    cache = TileCache(10_000)
    cache.put("incidents", "v1", "a", b"old")
    cache.put("patrols", "p1", "a", b"patrol")
    assert cache.get("incidents", "v2", "a") is None  # a request saw v2: v1's tiles are gone
    assert len(cache) == 1 and cache.size == len(b"patrol") + ENTRY_OVERHEAD
    assert cache.get("patrols", "p1", "a") == b"patrol"
    cache.put("incidents", "v1", "a", b"old")  # made from v1 after v2 was seen: not kept
    assert cache.get("incidents", "v2", "a") is None
    cache.put("incidents", "v2", "a", b"new")
    assert cache.get("incidents", "v2", "a") == b"new"


def test_the_version_last_seen_is_a_guess_the_route_checks():
    cache = TileCache(10_000)
    assert cache.current("incidents") is None
    cache.put("incidents", "v1", "a", b"tile")
    assert cache.current("incidents") == "v1" and cache.holds("incidents", "v1", "a")
    assert not cache.holds("incidents", "v1", "b") and not cache.holds("incidents", "v2", "a")
    cache.see("incidents", "v2")  # a tile made at v2 without a kept one asked for: v1's tiles go
    assert cache.current("incidents") == "v2" and not cache.holds("incidents", "v1", "a") and len(cache) == 0
