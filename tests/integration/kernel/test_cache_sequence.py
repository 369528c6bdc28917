"""``Cache.set_sequence`` / ``get_slice``: a stored sequence is read by parts, with its length,
under the namespace's generation; an empty sequence is a hit, a missing one a miss."""

from __future__ import annotations

import httpx

from app.kernel import runtime
from app.kernel.cache import Cache


async def test_a_sequence_is_read_by_slices_with_its_length(api: httpx.AsyncClient) -> None:
    cache = Cache(runtime.current().redis)
    items = [f"id{index}" for index in range(25)]
    await cache.set_sequence("ranking", "k", items, ttl=60)

    assert await cache.get_slice("ranking", "k", 0, 10) == (25, items[0:10])
    assert await cache.get_slice("ranking", "k", 20, 30) == (25, items[20:25])
    assert await cache.get_slice("ranking", "k", 25, 35) == (25, [])
    assert await cache.get_slice("ranking", "k", 5, 5) == (25, [])

    await cache.set_sequence("ranking", "k", ["only"], ttl=60)  # replaced, not appended
    assert await cache.get_slice("ranking", "k", 0, 10) == (1, ["only"])


async def test_an_empty_sequence_is_a_hit_and_a_missing_one_a_miss(api: httpx.AsyncClient) -> None:
    cache = Cache(runtime.current().redis)
    assert await cache.get_slice("ranking", "none", 0, 10) is None

    await cache.set_sequence("ranking", "empty", [], ttl=60)
    assert await cache.get_slice("ranking", "empty", 0, 10) == (0, [])

    await cache.invalidate_namespace("ranking")
    assert await cache.get_slice("ranking", "empty", 0, 10) is None


async def test_a_plain_value_under_the_key_is_a_miss(api: httpx.AsyncClient) -> None:
    cache = Cache(runtime.current().redis)
    await cache.set("ranking", "plain", ["a", "b"])
    assert await cache.get_slice("ranking", "plain", 0, 10) is None
