"""``Cache.single_flight``: one caller computes a missing value while the others wait for what it
stores; a failed, stuck or vanished holder never leaves a caller without an answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from app.kernel import runtime
from app.kernel.cache import PREFIX, Cache
from app.kernel.embedded import free_port
from app.kernel.runtime import make_redis_client

LEASE = f"{PREFIX}:flight-test:flight:k"


def value_source(cache: Cache, *, seconds: float = 0.2, fail_first: bool = False) -> tuple[list[int], Any, Any]:
    """A slow computation that stores ``{"n": <its number>}`` and the read of what it stored."""
    calls: list[int] = []

    async def compute() -> dict[str, int]:
        calls.append(len(calls) + 1)
        number = len(calls)
        await asyncio.sleep(seconds)
        if fail_first and number == 1:
            raise RuntimeError("the database went away")
        value = {"n": number}
        await cache.set("flight-test", "k", value, ttl=60)
        return value

    async def stored() -> dict[str, int] | None:
        value = await cache.get("flight-test", "k")
        return value if isinstance(value, dict) else None

    return calls, compute, stored


async def gather_flights(cache: Cache, count: int, compute: Any, stored: Any, **options: Any) -> list[Any]:
    flights: list[Callable[[], Awaitable[Any]]] = [
        lambda: cache.single_flight("flight-test", "k", compute, stored, **options) for _ in range(count)
    ]
    return await asyncio.wait_for(asyncio.gather(*(flight() for flight in flights), return_exceptions=True), timeout=10)


def flights() -> dict[str, float]:
    return {
        result: REGISTRY.get_sample_value("marquee_cache_flights_total", {"namespace": "flight-test", "result": result})
        or 0.0
        for result in ("computed", "shared", "fallback")
    }


async def test_one_caller_computes_and_the_others_get_what_it_stored(api: httpx.AsyncClient) -> None:
    cache = Cache(runtime.current().redis)
    calls, compute, stored = value_source(cache)
    before = flights()
    results = await gather_flights(cache, 6, compute, stored)
    assert calls == [1]
    assert results == [{"n": 1}] * 6
    assert await runtime.current().redis.exists(LEASE) == 0  # released
    after = flights()
    assert {result: after[result] - before[result] for result in after} == {"computed": 1, "shared": 5, "fallback": 0}


async def test_after_a_failed_holder_the_waiters_compute_themselves(api: httpx.AsyncClient) -> None:
    cache = Cache(runtime.current().redis)
    calls, compute, stored = value_source(cache, fail_first=True)
    results = await gather_flights(cache, 4, compute, stored)
    failures = [result for result in results if isinstance(result, Exception)]
    assert [str(failure) for failure in failures] == ["the database went away"]  # the holder's only
    assert all(isinstance(result, dict) for result in results if result not in failures)
    assert len(calls) >= 2


async def test_a_lease_nobody_releases_delays_a_caller_only_until_it_expires(api: httpx.AsyncClient) -> None:
    redis = runtime.current().redis
    cache = Cache(redis)
    calls, compute, stored = value_source(cache, seconds=0)
    await redis.set(LEASE, "a-crashed-holder", px=300)
    fallbacks = flights()["fallback"]
    assert await gather_flights(cache, 1, compute, stored) == [{"n": 1}]
    assert calls == [1]
    assert flights()["fallback"] == fallbacks + 1


async def test_a_holder_slower_than_its_lease_leaves_the_waiter_to_compute(api: httpx.AsyncClient) -> None:
    redis = runtime.current().redis
    cache = Cache(redis)
    calls, compute, stored = value_source(cache, seconds=0)
    await redis.set(LEASE, "a-stuck-holder", px=60_000)
    try:
        assert await gather_flights(cache, 1, compute, stored, lease_seconds=0.3) == [{"n": 1}]
        assert calls == [1]
        assert await redis.get(LEASE) == "a-stuck-holder"  # not the caller's to release
    finally:
        await redis.delete(LEASE)


async def test_a_holder_releases_only_its_own_lease(api: httpx.AsyncClient) -> None:
    redis = runtime.current().redis
    cache = Cache(redis)

    async def outlives_its_lease() -> str:
        await asyncio.sleep(0.4)
        # the lease expired meanwhile and another caller took it
        assert await redis.set(LEASE, "the-next-holder", nx=True, px=60_000)
        return "late"

    async def nothing() -> str | None:
        return None

    try:
        assert await cache.single_flight("flight-test", "k", outlives_its_lease, nothing, lease_seconds=0.2) == "late"
        assert await redis.get(LEASE) == "the-next-holder"
    finally:
        await redis.delete(LEASE)


@pytest.mark.parametrize("count", [1, 3])
async def test_without_redis_every_caller_computes(api: httpx.AsyncClient, count: int) -> None:
    down = make_redis_client(f"redis://127.0.0.1:{free_port()}/0")
    try:
        cache = Cache(down)
        calls, compute, stored = value_source(cache, seconds=0.05)
        assert await gather_flights(cache, count, compute, stored) == [{"n": n} for n in range(1, count + 1)]
        assert len(calls) == count
    finally:
        await down.aclose()


async def test_read_through_computes_a_missing_value_once_under_its_stamp(api: httpx.AsyncClient) -> None:
    redis = runtime.current().redis
    cache = Cache(redis)
    computed: list[str] = []

    async def lookup() -> tuple[str, int | None]:
        stamp, value = await cache.get_stamped("flight-stamp", ["s"], "flight-test", "k")
        return stamp, value if isinstance(value, int) else None

    async def compute(stamp: str) -> int:
        computed.append(stamp)
        await asyncio.sleep(0.2)
        await cache.set("flight-test", f"k:{stamp}", 7, ttl=60)
        return 7

    await cache.set("flight-stamp", "s", "s1", ttl=60)
    results = await asyncio.gather(*(cache.read_through("flight-test", "k", lookup, compute) for _ in range(4)))
    assert results == [7] * 4
    assert computed == ["s1"]  # once, stored under the stamp it was read with
    leases_before = flights()
    assert await cache.read_through("flight-test", "k", lookup, compute) == 7
    assert computed == ["s1"]
    assert flights() == leases_before  # a hit takes no lease
