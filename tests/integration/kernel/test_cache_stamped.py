"""``Cache.get_stamped_raw`` reads, in one round trip, exactly what ``get`` of the stamp and then
of the stamped key would: the same keys, generations and "0" for a missing stamp."""

from __future__ import annotations

import httpx

from app.kernel import runtime
from app.kernel.cache import Cache


async def test_stamped_get_follows_the_stamp_and_generations(api: httpx.AsyncClient) -> None:
    cache = Cache(runtime.current().redis)
    assert await cache.get_stamped_raw("stamp", "m1", "value", "m1") is None

    await cache.set("value", "m1:0", {"v": "unstamped", "text": "é"})
    assert await cache.get_stamped_raw("stamp", "m1", "value", "m1") == '{"v":"unstamped","text":"é"}'

    await cache.set("stamp", "m1", "s1")
    assert await cache.get_stamped_raw("stamp", "m1", "value", "m1") is None
    await cache.set("value", "m1:s1", {"v": 1})
    assert await cache.get_stamped_raw("stamp", "m1", "value", "m1") == '{"v":1}'

    await cache.invalidate_namespace("value")  # every value unreachable
    assert await cache.get_stamped_raw("stamp", "m1", "value", "m1") is None
    await cache.set("value", "m1:s1", {"v": 2})
    assert await cache.get_stamped_raw("stamp", "m1", "value", "m1") == '{"v":2}'

    await cache.invalidate_namespace("stamp")  # the stamp is gone: back to "0"
    await cache.set("value", "m1:0", {"v": 3})
    assert await cache.get_stamped_raw("stamp", "m1", "value", "m1") == '{"v":3}'


async def test_a_stamp_that_is_not_a_string_is_a_miss(api: httpx.AsyncClient) -> None:
    cache = Cache(runtime.current().redis)
    await cache.set("stamp", "m2", 5)
    await cache.set("value", "m2:5", {"v": 1})
    assert await cache.get_stamped_raw("stamp", "m2", "value", "m2") is None
