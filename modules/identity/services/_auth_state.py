"""Who a valid token belongs to, and whether its session still stands.

Mongo is the source of truth (``auth_sessions.revoked_at``, the user's roles); Redis caches it so
an authenticated request costs one Redis round trip. A cache miss, a lost Redis (restart without
data) or Redis being down all fall back to MongoDB, so a revoked token is never accepted.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from beanie import PydanticObjectId
from bson.errors import InvalidId
from redis.asyncio import Redis
from redis.exceptions import RedisError

from modules.identity.documents import AuthSession, User

log = structlog.get_logger("marquee.identity.auth_state")

PREFIX = "marquee:auth"
POSITIVE_TTL_SECONDS = 30
_pending_revocations: set[str] = set()


@dataclass(frozen=True, slots=True)
class UserSnapshot:
    id: str
    username: str
    roles: tuple[str, ...]
    permissions: tuple[str, ...]
    is_active: bool

    @classmethod
    def of(cls, user: User) -> UserSnapshot:
        return cls(str(user.id), user.username, tuple(user.roles), tuple(user.permissions), user.is_active)

    def dumps(self) -> str:
        return json.dumps([self.id, self.username, list(self.roles), list(self.permissions), self.is_active])

    @classmethod
    def loads(cls, raw: str) -> UserSnapshot:
        user_id, username, roles, permissions, is_active = json.loads(raw)
        return cls(user_id, username, tuple(roles), tuple(permissions), bool(is_active))


def _session_key(session_id: str) -> str:
    return f"{PREFIX}:session:{session_id}"


def _user_key(user_id: str) -> str:
    return f"{PREFIX}:user:{user_id}"


def _jti_key(token_id: str) -> str:
    return f"{PREFIX}:revoked-jti:{token_id}"


def object_id(value: str) -> PydanticObjectId | None:
    try:
        return PydanticObjectId(value)
    except (InvalidId, TypeError, ValueError):
        return None


class AuthState:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def resolve(self, user_id: str, session_id: str, token_id: str) -> UserSnapshot | None:
        """The token's user if its session is live and the token not revoked, else ``None``."""
        try:
            session_state, user_raw, jti_revoked = await self._redis.mget(
                _session_key(session_id), _user_key(user_id), _jti_key(token_id)
            )
        except RedisError as exc:
            log.warning("auth_cache_unavailable", error=type(exc).__name__)
            return await self._resolve_from_database(user_id, session_id, cache=False)
        if jti_revoked is not None or session_state == "revoked":
            return None
        if session_state != f"live:{user_id}" or user_raw is None:
            return await self._resolve_from_database(user_id, session_id, cache=True)
        return UserSnapshot.loads(str(user_raw))

    async def _resolve_from_database(self, user_id: str, session_id: str, *, cache: bool) -> UserSnapshot | None:
        session_oid, user_oid = object_id(session_id), object_id(user_id)
        if session_oid is None or user_oid is None:
            return None
        session, user = await asyncio.gather(AuthSession.get(session_oid), User.get(user_oid))
        if session is None or user is None or session.user_id != user_id:
            return None
        if session.revoked_at is not None or session.expires_at.replace(tzinfo=UTC) <= datetime.now(UTC):
            if cache:
                await self._set(_session_key(session_id), "revoked", POSITIVE_TTL_SECONDS)
            return None
        snapshot = UserSnapshot.of(user)
        if cache:
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.set(_session_key(session_id), f"live:{user_id}", ex=POSITIVE_TTL_SECONDS)
                    pipe.set(_user_key(user_id), snapshot.dumps(), ex=POSITIVE_TTL_SECONDS)
                    await pipe.execute()
            except RedisError as exc:
                log.warning("auth_cache_unavailable", error=type(exc).__name__)
        return snapshot

    async def _set(self, key: str, value: str, ttl: int) -> bool:
        try:
            await self._redis.set(key, value, ex=max(1, ttl))
            return True
        except RedisError as exc:
            log.warning("auth_cache_unavailable", error=type(exc).__name__)
            return False

    async def revoke_token(self, token_id: str, expires_at: datetime) -> None:
        """Denylist one access token by ``jti`` until it expires."""
        ttl = int((expires_at - datetime.now(UTC)).total_seconds()) + 1
        if ttl > 0:
            await self._set(_jti_key(token_id), "1", ttl)

    async def revoke_sessions(self, session_ids: list[str]) -> None:
        """Mark sessions revoked in the cache (MongoDB already says so).

        When Redis is unreachable the ids are kept and retried on the next revocation or
        forget: a stale "live" entry can outlive the outage by at most POSITIVE_TTL_SECONDS.
        """
        targets = list({*session_ids, *_pending_revocations})
        if not targets:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for session_id in targets:
                    pipe.set(_session_key(session_id), "revoked", ex=POSITIVE_TTL_SECONDS * 4)
                await pipe.execute()
            _pending_revocations.difference_update(targets)
        except RedisError as exc:
            log.warning("auth_cache_unavailable", error=type(exc).__name__, pending=len(targets))
            _pending_revocations.update(targets)

    async def forget_user(self, user_id: str) -> None:
        """Drop the cached snapshot after roles, permissions or activation change."""
        try:
            await self._redis.delete(_user_key(user_id))
        except RedisError as exc:
            log.warning("auth_cache_unavailable", error=type(exc).__name__)
