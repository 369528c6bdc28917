"""Redis-backed JSON cache that degrades to "miss" when Redis is down (reads keep working).

Keys are namespaced (``marquee:cache:<namespace>:<key>``). Invalidation is by key or by
namespace generation: bumping a namespace's generation makes every key written under the old
generation unreachable at once, without scanning Redis.

Values are stored as compact JSON (UTF-8, no padding), so a cached JSON document can be sent to a
client as it is (see :meth:`Cache.get_stamped_raw`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

log = structlog.get_logger("marquee.cache")

CACHE_EVENTS = Counter("marquee_cache_requests_total", "Cache lookups by namespace and result", ["namespace", "result"])
# ``single_flight`` outcomes: ``computed`` under the lease, ``shared`` (waited and got what the holder
# stored), ``fallback`` (computed without the lease: Redis down, or the holder failed or was too slow)
CACHE_FLIGHTS = Counter(
    "marquee_cache_flights_total",
    "Computations of missing cache values by namespace and outcome",
    ["namespace", "result"],
)
PREFIX = "marquee:cache"
# the first element of every list stored by ``set_sequence``: an empty sequence still exists
_SEQUENCE_HEAD = "\x00sequence"

# One round trip for a value keyed by one or more stamps: ARGV: prefix, stamp namespace, namespace,
# key, stamp keys... Returns {stamp, raw value or nil}: the stamps joined by '.', each '0' when it
# is absent, empty or not a JSON string (a write replaces it with a fresh one); with an empty
# namespace, the stamp alone. The keys are derived inside the script, so this needs a single Redis
# (not a cluster), as the rest of the cache's invalidation scheme does.
_STAMPED_READ = """
local function generation(namespace)
  local value = redis.call('GET', ARGV[1] .. ':' .. namespace .. ':gen')
  if not value or value == '' then return '0' end
  return value
end
local stamp_generation = generation(ARGV[2])
local stamps = {}
for i = 5, #ARGV do
  local stamp = '0'
  local raw = redis.call('GET', ARGV[1] .. ':' .. ARGV[2] .. ':' .. stamp_generation .. ':' .. ARGV[i])
  if raw then
    local ok, decoded = pcall(cjson.decode, raw)
    if ok and type(decoded) == 'string' and decoded ~= '' then stamp = decoded end
  end
  stamps[#stamps + 1] = stamp
end
local stamp = table.concat(stamps, '.')
if ARGV[3] == '' then return {stamp, false} end
local key = ARGV[1] .. ':' .. ARGV[3] .. ':' .. generation(ARGV[3]) .. ':' .. ARGV[4] .. ':' .. stamp
return {stamp, redis.call('GET', key)}
"""
_STAMPED_READ_SHA = hashlib.sha1(_STAMPED_READ.encode(), usedforsecurity=False).hexdigest()

# a lease is released only by the caller that holds it (an expired one may be another's by then)
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
_RELEASE_SHA = hashlib.sha1(_RELEASE.encode(), usedforsecurity=False).hexdigest()
# how long one computation may hold its lease (the longest a waiter waits for it), and the waiters'
# first and longest pause between two looks at the result
FLIGHT_LEASE_SECONDS = 30.0
FLIGHT_FIRST_POLL_SECONDS = 0.01
FLIGHT_LONGEST_POLL_SECONDS = 0.1

T = TypeVar("T")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str, separators=(",", ":"), ensure_ascii=False)


class Cache:
    def __init__(self, redis: Redis, default_ttl: int = 300) -> None:
        self._redis = redis
        self._default_ttl = default_ttl

    async def _generation(self, namespace: str) -> str:
        value = await self._redis.get(f"{PREFIX}:{namespace}:gen")
        return str(value or "0")

    @staticmethod
    def _full_key(namespace: str, generation: str, key: str) -> str:
        return f"{PREFIX}:{namespace}:{generation}:{key}"

    async def _key(self, namespace: str, key: str) -> str:
        return self._full_key(namespace, await self._generation(namespace), key)

    async def get(self, namespace: str, key: str) -> Any | None:
        try:
            raw = await self._redis.get(await self._key(namespace, key))
        except RedisError as exc:
            log.warning("cache_unavailable", op="get", namespace=namespace, error=type(exc).__name__)
            CACHE_EVENTS.labels(namespace, "error").inc()
            return None
        return self._decoded(namespace, raw)

    @staticmethod
    def _decoded(namespace: str, raw: Any) -> Any | None:
        """A stored JSON value decoded (``None`` for a miss or a corrupt value), counted."""
        if raw is None:
            CACHE_EVENTS.labels(namespace, "miss").inc()
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            log.warning("cache_corrupt", namespace=namespace)
            CACHE_EVENTS.labels(namespace, "error").inc()
            return None
        CACHE_EVENTS.labels(namespace, "hit").inc()
        return value

    async def _read_stamped(
        self, stamp_namespace: str, stamp_keys: Sequence[str], namespace: str, key: str
    ) -> tuple[str, Any] | None:
        """The stamped-read script's ``(stamp, raw value or None)`` (``namespace`` empty: the stamp
        alone); ``None`` when Redis cannot answer (logged, not counted: each caller counts)."""
        try:
            stamp, raw = await self._script(
                _STAMPED_READ_SHA, _STAMPED_READ, (PREFIX, stamp_namespace, namespace, key, *stamp_keys)
            )
        except RedisError as exc:
            log.warning("cache_unavailable", op="get", namespace=namespace or stamp_namespace, error=type(exc).__name__)
            return None
        return str(stamp), raw

    async def get_stamped_raw(self, stamp_namespace: str, stamp_key: str, namespace: str, key: str) -> str | None:
        """The raw JSON that :meth:`set_stamped` stored under ``key`` and the stamp
        :meth:`get_stamped` reads (``"0"`` when absent), read in ONE round trip.

        ``None`` on a miss or when Redis cannot answer; only a hit is counted in the metrics (a
        caller falls back to :meth:`get_stamped`, which counts its own lookups).
        """
        read = await self._read_stamped(stamp_namespace, (stamp_key,), namespace, key)
        if read is None or read[1] is None:
            return None
        CACHE_EVENTS.labels(namespace, "hit").inc()
        return str(read[1])

    async def get_stamped(
        self, stamp_namespace: str, stamp_keys: Sequence[str], namespace: str, key: str
    ) -> tuple[str, Any | None]:
        """``(stamp, value)`` in ONE round trip, where ``stamp`` is the values of ``stamp_keys`` in
        ``stamp_namespace`` joined by ``.`` (each ``"0"`` when absent) and ``value`` what
        :meth:`set_stamped` stored under ``key`` and that stamp (``None`` on a miss). Store a value
        read on a miss under the stamp returned: a write that replaced a stamp after this read
        makes it unreachable. Redis down: ``("0", None)``."""
        read = await self._read_stamped(stamp_namespace, stamp_keys, namespace, key)
        if read is None:
            CACHE_EVENTS.labels(namespace, "error").inc()
            return "0", None
        stamp, raw = read
        return stamp, self._decoded(namespace, raw)

    async def stamp(self, stamp_namespace: str, stamp_keys: Sequence[str]) -> str:
        """The stamp :meth:`get_stamped` would key a value by, alone (one round trip)."""
        read = await self._read_stamped(stamp_namespace, stamp_keys, "", "")
        if read is None:
            CACHE_EVENTS.labels(stamp_namespace, "error").inc()
            return "0"
        return read[0]

    async def _script(self, sha: str, source: str, args: Sequence[str], keys: Sequence[str] = ()) -> Any:
        try:
            return await self._redis.evalsha(sha, len(keys), *keys, *args)
        except NoScriptError:
            return await self._redis.eval(source, len(keys), *keys, *args)

    async def single_flight(
        self,
        namespace: str,
        key: str,
        compute: Callable[[], Awaitable[T]],
        stored: Callable[[], Awaitable[T | None]],
        *,
        lease_seconds: float = FLIGHT_LEASE_SECONDS,
    ) -> T:
        """``compute()``, run by one caller at a time for ``key`` across every process: the others
        wait for what it stores rather than all asking the database the same (a burst of requests
        for one page right after a write replaced its stamp would each read it).

        ``compute`` reads and stores the value; ``stored`` reads it from the cache (``None`` while it
        is not there). The first caller takes a lease (``lease_seconds`` at most) and computes; a
        waiter looks at ``stored()`` at growing intervals and computes itself once the lease is gone
        with nothing stored (the holder failed, or stored under a stamp replaced meanwhile) or has
        outlived ``lease_seconds``. Redis down: every caller computes."""
        lease = f"{PREFIX}:{namespace}:flight:{key}"
        token = uuid.uuid4().hex
        try:
            leased = await self._redis.set(lease, token, nx=True, px=int(lease_seconds * 1000))
        except RedisError as exc:
            log.warning("cache_unavailable", op="lease", namespace=namespace, error=type(exc).__name__)
            CACHE_FLIGHTS.labels(namespace, "fallback").inc()
            return await compute()
        if leased:
            CACHE_FLIGHTS.labels(namespace, "computed").inc()
            try:
                return await compute()
            finally:
                await self._release(namespace, lease, token)
        deadline = time.monotonic() + lease_seconds
        pause = FLIGHT_FIRST_POLL_SECONDS
        while True:
            await asyncio.sleep(pause)
            pause = min(pause * 2, FLIGHT_LONGEST_POLL_SECONDS)
            try:
                held = bool(await self._redis.exists(lease))
            except RedisError:
                held = False
            # looked at after the lease: a holder stores before it releases
            value = await stored()
            if value is not None:
                CACHE_FLIGHTS.labels(namespace, "shared").inc()
                return value
            if not held or time.monotonic() >= deadline:
                CACHE_FLIGHTS.labels(namespace, "fallback").inc()
                return await compute()

    async def read_through(
        self,
        namespace: str,
        key: str,
        lookup: Callable[[], Awaitable[tuple[str, T | None]]],
        compute: Callable[[str], Awaitable[T]],
    ) -> T:
        """The value ``lookup()`` finds under its stamp (``(stamp, value or None)``, e.g. from
        :meth:`get_stamped`), or else ``compute(stamp)``, which reads it and stores it under that
        stamp, run by one caller at a time (:meth:`single_flight` on ``key`` and the stamp): the
        others wait until ``lookup()`` finds it."""
        stamp, value = await lookup()
        if value is not None:
            return value

        async def stored() -> T | None:
            return (await lookup())[1]

        return await self.single_flight(namespace, f"{key}:{stamp}", lambda: compute(stamp), stored)

    async def _release(self, namespace: str, lease: str, token: str) -> None:
        try:
            await self._script(_RELEASE_SHA, _RELEASE, (token,), keys=(lease,))
        except RedisError as exc:
            # the lease expires by itself; meanwhile the waiters keep looking for the value
            log.warning("cache_unavailable", op="release", namespace=namespace, error=type(exc).__name__)

    async def set(self, namespace: str, key: str, value: Any, ttl: int | None = None) -> None:
        try:
            await self._redis.set(await self._key(namespace, key), _dumps(value), ex=ttl or self._default_ttl)
        except RedisError as exc:
            log.warning("cache_unavailable", op="set", namespace=namespace, error=type(exc).__name__)

    async def set_stamped(self, namespace: str, key: str, stamp: str, value: Any, ttl: int | None = None) -> None:
        """Store ``value`` where :meth:`get_stamped` (and :meth:`get_stamped_raw`) look for ``key``
        under ``stamp``."""
        await self.set(namespace, f"{key}:{stamp}", value, ttl=ttl)

    async def set_many(self, namespace: str, values: Mapping[str, Any], ttl: int | None = None) -> None:
        """Store every ``key: value`` of ``values`` in one round trip after the generation's (a
        burst of single sets from one process would exhaust its Redis connection pool)."""
        if not values:
            return
        try:
            generation = await self._generation(namespace)
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, value in values.items():
                    pipe.set(self._full_key(namespace, generation, key), _dumps(value), ex=ttl or self._default_ttl)
                await pipe.execute()
        except RedisError as exc:
            log.warning("cache_unavailable", op="set", namespace=namespace, error=type(exc).__name__)

    async def replace_stamps(self, stamp_namespace: str, keys: Iterable[str], ttl: int) -> None:
        """A fresh stamp for each of ``keys``, all in one round trip: every value that
        :meth:`get_stamped` keyed by the former stamps is unreachable from now on. ``ttl`` must
        outlive every value keyed by a stamp, so that an expired stamp cannot bring one back."""
        await self.set_many(stamp_namespace, {key: uuid.uuid4().hex for key in keys}, ttl=ttl)

    async def set_sequence(self, namespace: str, key: str, items: Sequence[str], ttl: int | None = None) -> None:
        """Store ``items`` in order as a Redis list, so that :meth:`get_slice` reads a part of it
        without the whole (an empty sequence is stored too: the list's head is a marker)."""
        try:
            full_key = await self._key(namespace, key)
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(full_key)
                pipe.rpush(full_key, _SEQUENCE_HEAD, *items)
                pipe.expire(full_key, ttl or self._default_ttl)
                await pipe.execute()
        except RedisError as exc:
            log.warning("cache_unavailable", op="set", namespace=namespace, error=type(exc).__name__)

    async def get_slice(self, namespace: str, key: str, start: int, stop: int) -> tuple[int, list[str]] | None:
        """``(length, items[start:stop])`` of a sequence stored by :meth:`set_sequence`, in one
        round trip after the generation's; ``None`` on a miss or when Redis cannot answer."""
        try:
            full_key = await self._key(namespace, key)
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.lindex(full_key, 0)
                pipe.llen(full_key)
                # the head is the marker: items[i] is at index i + 1, and LRANGE's stop is inclusive
                # (so items[start:stop] is LRANGE start + 1 .. stop, empty when stop <= start)
                pipe.lrange(full_key, start + 1, stop)
                head, length, items = await pipe.execute()
        except RedisError as exc:
            log.warning("cache_unavailable", op="get", namespace=namespace, error=type(exc).__name__)
            CACHE_EVENTS.labels(namespace, "error").inc()
            return None
        if head != _SEQUENCE_HEAD:
            CACHE_EVENTS.labels(namespace, "miss").inc()
            return None
        CACHE_EVENTS.labels(namespace, "hit").inc()
        return int(length) - 1, [str(item) for item in items]

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
