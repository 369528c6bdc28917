"""``Cache.set_many``: many values of a namespace in one round trip, each under the namespace's
generation with its TTL; an unreachable Redis is logged, never raised (like every cache write)."""

from __future__ import annotations

import httpx

from app.kernel import runtime
from app.kernel.cache import PREFIX, Cache
from app.kernel.embedded import free_port
from app.kernel.runtime import make_redis_client


async def test_every_value_is_stored_under_the_generation_with_its_ttl(api: httpx.AsyncClient) -> None:
    redis = runtime.current().redis
    cache = Cache(redis)
    values = {f"k{index}": {"n": index} for index in range(150)}
    await cache.set_many("bulk", values, ttl=60)

    assert [await cache.get("bulk", key) for key in values] == list(values.values())
    generation = str(await redis.get(f"{PREFIX}:bulk:gen") or "0")
    assert 0 < await redis.ttl(f"{PREFIX}:bulk:{generation}:k149") <= 60
    await cache.set_many("bulk", {})  # nothing to store: no command

    await cache.invalidate_namespace("bulk")
    assert await cache.get("bulk", "k0") is None
    await cache.set_many("bulk", {"k0": "again"})
    assert await cache.get("bulk", "k0") == "again"


async def test_an_unreachable_redis_is_not_an_error(api: httpx.AsyncClient) -> None:
    down = make_redis_client(f"redis://127.0.0.1:{free_port()}/0")
    try:
        await Cache(down).set_many("bulk", {"k": 1})
    finally:
        await down.aclose()
