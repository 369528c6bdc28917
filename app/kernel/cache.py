"""Redis-backed JSON cache that degrades to "miss" when Redis is down (reads keep working).

Keys are namespaced (``marquee:cache:<namespace>:<key>``). Invalidation is by key or by
namespace generation: bumping a namespace's generation makes every key written under the old
generation unreachable at once, without scanning Redis.
"""

from __future__ import annotations

import json
from typing import Any

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger("marquee.cache")

CACHE_EVENTS = Counter("marquee_cache_requests_total", "Cache lookups by namespace and result", ["namespace", "result"])
PREFIX = "marquee:cache"


class Cache:
    def __init__(self, redis: Redis, default_ttl: int = 300) -> None:
        self._redis = redis
        self._default_ttl = default_ttl

    async def _generation(self, namespace: str) -> str:
        value = await self._redis.get(f"{PREFIX}:{namespace}:gen")
        return str(value or "0")

    async def _key(self, namespace: str, key: str) -> str:
        return f"{PREFIX}:{namespace}:{await self._generation(namespace)}:{key}"

    async def get(self, namespace: str, key: str) -> Any | None:
        try:
            raw = await self._redis.get(await self._key(namespace, key))
        except RedisError as exc:
            log.warning("cache_unavailable", op="get", namespace=namespace, error=type(exc).__name__)
            CACHE_EVENTS.labels(namespace, "error").inc()
            return None
        CACHE_EVENTS.labels(namespace, "hit" if raw is not None else "miss").inc()
        return None if raw is None else json.loads(raw)

    async def set(self, namespace: str, key: str, value: Any, ttl: int | None = None) -> None:
        try:
            await self._redis.set(
                await self._key(namespace, key), json.dumps(value, default=str), ex=ttl or self._default_ttl
            )
        except RedisError as exc:
            log.warning("cache_unavailable", op="set", namespace=namespace, error=type(exc).__name__)

    async def delete(self, namespace: str, key: str) -> None:
        try:
            await self._redis.delete(await self._key(namespace, key))
        except RedisError as exc:
            log.warning("cache_unavailable", op="delete", namespace=namespace, error=type(exc).__name__)

    async def invalidate_namespace(self, namespace: str) -> None:
        """Make every key of ``namespace`` unreachable (they expire by TTL)."""
        try:
            await self._redis.incr(f"{PREFIX}:{namespace}:gen")
        except RedisError as exc:
            log.warning("cache_unavailable", op="invalidate", namespace=namespace, error=type(exc).__name__)
