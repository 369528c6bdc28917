"""``Cache.get_stamped_raw`` and ``Cache.get_stamped`` read, in one round trip, exactly what ``get``
of the stamp(s) and then of the stamped key would: the same keys and generations, and "0" for a
missing stamp or one that is not a JSON string."""

from __future__ import annotations

import httpx

from app.kernel import runtime
from app.kernel.cache import PREFIX, Cache
from app.kernel.embedded import free_port
from app.kernel.runtime import make_redis_client


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


async def test_a_stamp_that_is_not_a_string_reads_as_absent(api: httpx.AsyncClient) -> None:
    cache = Cache(runtime.current().redis)
    await cache.set("stamp", "m2", 5)
    await cache.set("value", "m2:5", {"v": 1})
    assert await cache.get_stamped_raw("stamp", "m2", "value", "m2") is None
    await cache.set("value", "m2:0", {"v": 0})
    assert await cache.get_stamped_raw("stamp", "m2", "value", "m2") == '{"v":0}'


async def test_stamped_read_joins_its_stamps_and_follows_generations(api: httpx.AsyncClient) -> None:
    cache = Cache(runtime.current().redis)
    assert await cache.get_stamped("stamp", ["a", "b"], "value", "k") == ("0.0", None)
    await cache.set("value", "k:0.0", {"v": "unstamped"})
    assert await cache.get_stamped("stamp", ["a", "b"], "value", "k") == ("0.0", {"v": "unstamped"})

    await cache.set("stamp", "a", "s1")
    assert await cache.get_stamped("stamp", ["a", "b"], "value", "k") == ("s1.0", None)
    await cache.set("stamp", "b", "s2")
    await cache.set("value", "k:s1.s2", [1, "é"])
    assert await cache.get_stamped("stamp", ["a", "b"], "value", "k") == ("s1.s2", [1, "é"])
    assert await cache.stamp("stamp", ["a", "b"]) == "s1.s2"
    assert await cache.get_stamped("stamp", ["b"], "value", "k") == ("s2", None)

    await cache.invalidate_namespace("value")
    assert await cache.get_stamped("stamp", ["a", "b"], "value", "k") == ("s1.s2", None)
    await cache.invalidate_namespace("stamp")
    assert await cache.stamp("stamp", ["a", "b"]) == "0.0"


async def test_stamped_read_of_a_bad_stamp_or_value(api: httpx.AsyncClient) -> None:
    cache = Cache(runtime.current().redis)
    await cache.set("stamp", "n", 5)  # not a string: as if absent (a write replaces it)
    await cache.set("value", "k:0", True)
    assert await cache.get_stamped("stamp", ["n"], "value", "k") == ("0", True)
    await runtime.current().redis.set(f"{PREFIX}:value:0:k:0", "{not json")  # generation 0: a fresh Redis
    assert await cache.get_stamped("stamp", ["n"], "value", "k") == ("0", None)


async def test_stamped_read_of_an_unreachable_redis_is_a_miss(api: httpx.AsyncClient) -> None:
    down = make_redis_client(f"redis://127.0.0.1:{free_port()}/0")
    try:
        assert await Cache(down).get_stamped("stamp", ["a"], "value", "k") == ("0", None)
        assert await Cache(down).stamp("stamp", ["a"]) == "0"
    finally:
        await down.aclose()


async def test_replaced_stamps_make_their_values_unreachable(api: httpx.AsyncClient) -> None:
    cache = Cache(runtime.current().redis)
    await cache.replace_stamps("stamp", ["a", "b"], ttl=120)
    stamp, _ = await cache.get_stamped("stamp", ["a", "b"], "value", "k")
    first, second = stamp.split(".")
    assert first != second and "0" not in (first, second)
    await cache.set("value", f"k:{stamp}", 1)
    assert await cache.get_stamped("stamp", ["a", "b"], "value", "k") == (stamp, 1)
    assert 0 < await runtime.current().redis.ttl(f"{PREFIX}:stamp:0:a") <= 120

    await cache.replace_stamps("stamp", ["b"], ttl=120)
    replaced, value = await cache.get_stamped("stamp", ["a", "b"], "value", "k")
    assert value is None
    assert replaced.split(".")[0] == first and replaced.split(".")[1] != second
