"""Rate limiting shared across API processes through Redis.

A fixed one-minute window per subject, counted atomically by one Lua script (INCR + PEXPIRE in
a single step), so 2N concurrent requests let at most N through whichever process serves them.
The subject is the authenticated user when the request carries a verifiable access token, else
the client IP; the auth endpoints (register, login, refresh, activate, password reset) share a
much stricter per-IP bucket. Every response carries ``RateLimit-Limit``, ``RateLimit-Remaining``
and ``RateLimit-Reset``; a refusal is 429 ``RATE_LIMITED`` with ``Retry-After``.

The client IP is the TCP peer; ``X-Forwarded-For`` is believed only when the peer is one of
``TRUSTED_PROXIES``, and then only up to the first address that is not a trusted proxy (walking
from the right), so a client rotating that header cannot escape its bucket. When Redis is down
requests are let through (without headers) rather than failing closed.

The subject resolver may name keys the request will read anyway (the authentication cache
entries of its token): the counting script reads them in the same round trip and leaves them in
the request's state (``PREFETCH_STATE``), so an authenticated request costs one Redis round trip
for both.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.kernel.errors import error_body
from app.kernel.http import RawHeaders, add_headers

log = structlog.get_logger("marquee.ratelimit")

WINDOW_SECONDS = 60
PREFIX = "marquee:ratelimit"
AUTH_PATHS = frozenset(
    {
        "/v1/auth/register",
        "/v1/auth/login",
        "/v1/auth/refresh",
        "/v1/auth/activate",
        "/v1/auth/password-reset",
        "/v1/auth/password-reset/confirm",
    }
)
EXEMPT_PREFIXES = ("/healthz", "/readyz", "/metrics", "/schema")

PREFETCH_STATE = "marquee.prefetched"

# KEYS[1] counter key, KEYS[2..] keys to read; ARGV[1] window in ms. Returns {count, ttl_ms, values}.
_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
local values = {}
if #KEYS > 1 then
  values = redis.call('MGET', unpack(KEYS, 2))
end
return {count, ttl, values}
"""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def client_ip(scope: Scope, trusted: tuple[Network, ...]) -> str:
    """The TCP peer, or with a trusted peer the right-most untrusted X-Forwarded-For address."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    peer_ip = _ip(peer)
    if not trusted or peer_ip is None or not any(peer_ip in net for net in trusted):
        return peer
    forwarded = [value.decode("latin-1") for name, value in scope.get("headers", ()) if name == b"x-forwarded-for"]
    hops = [hop.strip() for header in forwarded for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        hop_ip = _ip(hop)
        if hop_ip is None:
            return peer
        if not any(hop_ip in net for net in trusted):
            return str(hop_ip)
    return peer


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    prefetched: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Subject:
    """Who a request counts against, and the keys it will read (fetched with the count)."""

    id: str
    prefetch: tuple[str, ...] = ()


class RateLimiter:
    def __init__(self, redis_provider: Callable[[], Redis]) -> None:
        self._redis_provider = redis_provider
        self._script_sha: str | None = None

    async def hit(self, key: str, limit: int, prefetch: Sequence[str] = ()) -> Decision | None:
        """Count one request against ``key`` (and read the ``prefetch`` keys in the same round
        trip); ``None`` when Redis cannot answer."""
        redis = self._redis_provider()
        keys = (key, *prefetch)
        try:
            if self._script_sha is None:
                self._script_sha = str(await redis.script_load(_SCRIPT))
            try:
                count, ttl_ms, values = await redis.evalsha(self._script_sha, len(keys), *keys, WINDOW_SECONDS * 1000)
            except RedisError as exc:
                if "NOSCRIPT" not in str(exc):
                    raise
                count, ttl_ms, values = await redis.eval(_SCRIPT, len(keys), *keys, WINDOW_SECONDS * 1000)
        except RedisError as exc:
            log.warning("rate_limit_unavailable", error=type(exc).__name__)
            return None
        reset = max(1, math.ceil(int(ttl_ms) / 1000))
        values = list(values or ())
        prefetched = dict(zip(prefetch, values, strict=True)) if len(values) == len(prefetch) else {}
        return Decision(int(count) <= limit, limit, max(0, limit - int(count)), reset, prefetched)


SubjectResolver = Callable[[Scope], Subject | None]


class RateLimitMiddleware:
    """ASGI middleware wrapping the whole app (after the request-context layer)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        limit_per_minute: int,
        auth_limit_per_minute: int,
        trusted_proxies: tuple[Network, ...],
        subject: SubjectResolver,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.limit = limit_per_minute
        self.auth_limit = auth_limit_per_minute
        self.trusted = trusted_proxies
        self.subject = subject

    def _bucket(self, scope: Scope) -> tuple[str, int, tuple[str, ...]] | None:
        path: str = scope.get("path", "")
        if path.startswith(EXEMPT_PREFIXES):
            return None
        if path.rstrip("/") in AUTH_PATHS:
            return f"{PREFIX}:auth:ip:{client_ip(scope, self.trusted)}", self.auth_limit, ()
        user = self.subject(scope)
        if user is not None:
            return f"{PREFIX}:user:{user.id}", self.limit, user.prefetch
        return f"{PREFIX}:ip:{client_ip(scope, self.trusted)}", self.limit, ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        bucket = self._bucket(scope)
        decision = await self.limiter.hit(*bucket) if bucket else None
        if decision is None:
            await self.app(scope, receive, send)
            return
        if decision.prefetched:
            scope.setdefault("state", {})[PREFETCH_STATE] = decision.prefetched
        headers = [
            (b"ratelimit-limit", str(decision.limit).encode()),
            (b"ratelimit-remaining", str(decision.remaining).encode()),
            (b"ratelimit-reset", str(decision.reset_seconds).encode()),
        ]
        if not decision.allowed:
            await _send_429(send, headers, decision.reset_seconds)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_headers(message, headers, replace=True)
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _send_429(send: Send, headers: RawHeaders, retry_after: int) -> None:
    body = json.dumps(
        error_body("RATE_LIMITED", "Too many requests; retry later.", {"retry_after_seconds": retry_after})
    ).encode()
    raw_headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode()),
    ]
    raw_headers.extend(headers)
    await send({"type": "http.response.start", "status": 429, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
