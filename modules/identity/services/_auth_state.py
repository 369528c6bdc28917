"""Who a valid token belongs to, and whether its session still stands.

Mongo is the source of truth (``auth_sessions.revoked_at``, the user's roles); Redis caches it so
an authenticated request costs one Redis round trip. A cache miss, a lost Redis (restart without
data) or Redis being down all fall back to MongoDB, so a revoked token is never accepted.

A revocation (or role change) made while Redis is unreachable cannot reach the cache, and Redis
may come back with "live" entries it persisted before the outage. Such changes are recorded in
MongoDB with a bumped *cache epoch* (``auth_cache_sync``); Redis holds the epoch it was last
synchronised to. Every authenticated request reads Redis's epoch in the same MGET and compares it
with MongoDB's (read at most once a second per process): while they differ, answers come from
MongoDB and the pending changes are replayed into Redis, after which the epochs agree again.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from beanie import PydanticObjectId
from bson.errors import InvalidId
from pymongo.asynchronous.collection import AsyncCollection
from redis.asyncio import Redis
from redis.exceptions import RedisError

from modules.identity.documents import AuthSession, User

log = structlog.get_logger("marquee.identity.auth_state")

PREFIX = "marquee:auth"
POSITIVE_TTL_SECONDS = 30
EPOCH_KEY = f"{PREFIX}:epoch"
SYNC_COLLECTION = "auth_cache_sync"
SYNC_ID = "auth"
EPOCH_REFRESH_SECONDS = 1.0


@dataclass
class _EpochCache:
    value: int = 0
    read_at: float = float("-inf")


_epoch = _EpochCache()


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


# the cached sessions and users (copies of MongoDB's); not the revoked-jti denylist nor the epoch
CACHED_COPIES = (_session_key("*"), _user_key("*"))


def cache_keys(user_id: str, session_id: str, token_id: str) -> tuple[str, str, str, str]:
    """The keys :meth:`AuthState.resolve` reads for a token, in its order: session, user,
    revoked ``jti``, cache epoch (a caller may read them ahead, see ``prefetched``)."""
    return _session_key(session_id), _user_key(user_id), _jti_key(token_id), EPOCH_KEY


def object_id(value: str) -> PydanticObjectId | None:
    try:
        return PydanticObjectId(value)
    except (InvalidId, TypeError, ValueError):
        return None


def _sync_collection() -> AsyncCollection[dict[str, Any]]:
    return AuthSession.get_pymongo_collection().database[SYNC_COLLECTION]


class AuthState:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def _database_epoch(self) -> int:
        now = time.monotonic()
        if now - _epoch.read_at >= EPOCH_REFRESH_SECONDS:
            document = await _sync_collection().find_one({"_id": SYNC_ID}, projection={"epoch": 1})
            _epoch.value = int(document["epoch"]) if document else 0
            _epoch.read_at = now
        return _epoch.value

    async def resolve(
        self, user_id: str, session_id: str, token_id: str, prefetched: Mapping[str, str | None] | None = None
    ) -> UserSnapshot | None:
        """The token's user if its session is live and the token not revoked, else ``None``.

        ``prefetched`` holds the values of :func:`cache_keys` when this request already read
        them (in its rate-limit round trip); otherwise they are read here.
        """
        database_epoch = await self._database_epoch()
        keys = cache_keys(user_id, session_id, token_id)
        values: list[Any]
        if prefetched is not None and all(key in prefetched for key in keys):
            values = [prefetched[key] for key in keys]
        else:
            try:
                values = await self._redis.mget(*keys)
            except RedisError as exc:
                log.warning("auth_cache_unavailable", error=type(exc).__name__)
                return await self._resolve_from_database(user_id, session_id, cache=False)
        session_state, user_raw, jti_revoked, cache_epoch = values
        if int(cache_epoch or 0) != database_epoch:
            # Redis missed changes made while it was unreachable: trust MongoDB, replay them.
            await self._replay_missed_changes()
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
        """Mark sessions revoked in the cache (MongoDB already says so)."""
        if not session_ids:
            return
        try:
            await self._apply(session_ids, [])
        except RedisError as exc:
            log.warning("auth_cache_unavailable", error=type(exc).__name__, pending=len(session_ids))
            await self._record_missed_change(session_ids, [])

    async def forget_user(self, user_id: str) -> None:
        """Drop the cached snapshot after roles, permissions or activation change."""
        try:
            await self._apply([], [user_id])
        except RedisError as exc:
            log.warning("auth_cache_unavailable", error=type(exc).__name__)
            await self._record_missed_change([], [user_id])

    async def _apply(self, session_ids: list[str], user_ids: list[str], epoch: int | None = None) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.set(_session_key(session_id), "revoked", ex=POSITIVE_TTL_SECONDS * 4)
            for user_id in user_ids:
                pipe.delete(_user_key(user_id))
            if epoch is not None:
                pipe.set(EPOCH_KEY, str(epoch))
            await pipe.execute()

    async def _record_missed_change(self, session_ids: list[str], user_ids: list[str]) -> None:
        """Remember in MongoDB what the cache missed, and move the epoch so nobody trusts it."""
        await _sync_collection().update_one(
            {"_id": SYNC_ID},
            {
                "$inc": {"epoch": 1},
                "$addToSet": {"sessions": {"$each": session_ids}, "users": {"$each": user_ids}},
            },
            upsert=True,
        )
        _epoch.read_at = float("-inf")

    async def _replay_missed_changes(self) -> None:
        """Write the changes Redis missed, then its epoch; clear them if nothing new arrived."""
        document = await _sync_collection().find_one({"_id": SYNC_ID})
        if document is None:
            return
        epoch = int(document.get("epoch", 0))
        sessions, users = list(document.get("sessions", [])), list(document.get("users", []))
        try:
            await self._apply(sessions, users, epoch)
        except RedisError as exc:
            log.warning("auth_cache_unavailable", error=type(exc).__name__)
            return
        await _sync_collection().update_one(
            {"_id": SYNC_ID, "epoch": epoch}, {"$pull": {"sessions": {"$in": sessions}, "users": {"$in": users}}}
        )
        _epoch.value, _epoch.read_at = epoch, time.monotonic()
        log.info("auth_cache_resynchronised", epoch=epoch, sessions=len(sessions), users=len(users))
