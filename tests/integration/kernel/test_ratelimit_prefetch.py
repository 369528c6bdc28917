"""The rate limiter's round trip also reads the keys a request will need (its auth cache
entries): the count stays exact and the values are those Redis holds."""

from __future__ import annotations

import httpx

from app.kernel import runtime
from app.kernel.ratelimit import RateLimiter


async def test_the_count_reads_the_prefetch_keys_in_the_same_round_trip(api: httpx.AsyncClient) -> None:
    redis = runtime.current().redis
    await redis.set("prefetch:one", "1")
    limiter = RateLimiter(lambda: redis)
    first = await limiter.hit("marquee:ratelimit:prefetch-test", 2, ("prefetch:one", "prefetch:two"))
    assert first is not None
    assert (first.allowed, first.remaining) == (True, 1)
    assert first.prefetched == {"prefetch:one": "1", "prefetch:two": None}

    await redis.set("prefetch:two", "2")
    second = await limiter.hit("marquee:ratelimit:prefetch-test", 2, ("prefetch:one", "prefetch:two"))
    assert second is not None
    assert (second.allowed, second.remaining) == (True, 0)
    assert second.prefetched == {"prefetch:one": "1", "prefetch:two": "2"}

    third = await limiter.hit("marquee:ratelimit:prefetch-test", 2)
    assert third is not None
    assert (third.allowed, third.prefetched) == (False, {})
