"""Login, refresh-token rotation with reuse detection, logout and session revocation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import structlog
from beanie import PydanticObjectId

from modules.identity.documents import AuthSession, User
from modules.identity.errors import InvalidCredentials, InvalidToken
from modules.identity.passwords import hash_password, needs_rehash, verify_password
from modules.identity.principal import Principal
from modules.identity.schemas import TokenPair
from modules.identity.services._auth_state import AuthState, object_id
from modules.identity.services._users import UserService
from modules.identity.tokens import TokenClaims, TokenCodec

log = structlog.get_logger("marquee.identity.auth")


class AuthService:
    def __init__(self, users: UserService, codec: TokenCodec, state: AuthState) -> None:
        self._users = users
        self._codec = codec
        self._state = state

    async def login(self, login: str, password: str) -> TokenPair:
        user = await self._users.find_by_login(login)
        valid = await verify_password(user.password_hash if user else None, password)
        if user is None or not valid:
            log.info("login_failed")
            raise InvalidCredentials()
        if needs_rehash(user.password_hash):
            new_hash = await hash_password(password)
            await User.get_pymongo_collection().update_one({"_id": user.id}, {"$set": {"password_hash": new_hash}})
        log.info("login_succeeded", user_id=str(user.id))
        return await self.start_session(str(user.id))

    async def start_session(self, user_id: str) -> TokenPair:
        session_id = PydanticObjectId()
        refresh = self._codec.issue("refresh", user_id, str(session_id))
        await AuthSession(
            id=session_id,
            user_id=user_id,
            current_refresh_jti=refresh.claims.token_id,
            expires_at=refresh.claims.expires_at,
        ).insert()
        return self._pair(user_id, str(session_id), refresh.token)

    def _pair(self, user_id: str, session_id: str, refresh_token: str) -> TokenPair:
        access = self._codec.issue("access", user_id, session_id)
        return TokenPair(
            access_token=access.token,
            refresh_token=refresh_token,
            expires_in=self._codec.ttl("access"),
            expires_at=access.claims.expires_at,
        )

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate: the presented token must be the family's current one, else the family dies."""
        claims = self._codec.decode(refresh_token, "refresh")
        session_oid = object_id(claims.session_id)
        if session_oid is None:
            raise InvalidToken()
        now = datetime.now(UTC)
        rotated = self._codec.issue("refresh", claims.subject, claims.session_id)
        # a conditional update_one is the atomic rotation: of two uses of one refresh token only
        # one matches the current jti (not findAndModify: the embedded server scans for it)
        rotation = await AuthSession.get_pymongo_collection().update_one(
            {
                "_id": session_oid,
                "user_id": claims.subject,
                "current_refresh_jti": claims.token_id,
                "revoked_at": None,
                "expires_at": {"$gt": now},
            },
            {
                "$set": {
                    "current_refresh_jti": rotated.claims.token_id,
                    "refreshed_at": now,
                    "expires_at": rotated.claims.expires_at,
                }
            },
        )
        if not rotation.matched_count:
            await self._revoke_on_reuse(claims)
            raise InvalidToken("The refresh token is invalid, expired or was already used.")
        if not await self._users.exists(claims.subject):
            raise InvalidToken()
        return self._pair(claims.subject, claims.session_id, rotated.token)

    async def _revoke_on_reuse(self, claims: TokenClaims) -> None:
        """A validly signed but superseded refresh token was replayed: end the whole family."""
        result = await AuthSession.get_pymongo_collection().update_one(
            {"_id": object_id(claims.session_id), "user_id": claims.subject, "revoked_at": None},
            {"$set": {"revoked_at": datetime.now(UTC), "revoked_reason": "refresh_token_reuse"}},
        )
        if result.modified_count:
            log.warning("refresh_token_reuse_detected", user_id=claims.subject, session_id=claims.session_id)
            await self._state.revoke_sessions([claims.session_id])

    async def logout(self, principal: Principal) -> None:
        """The access token and its refresh family stop working at once."""
        await self.revoke_sessions(principal.id, [principal.session_id], reason="logout")
        await self._state.revoke_token(principal.token_id, principal.token_expires_at)

    async def revoke_sessions(
        self, user_id: str, session_ids: list[str] | None, *, reason: str, keep: str | None = None
    ) -> int:
        """Revoke the given sessions (``None``: every session of the user, except ``keep``)."""
        query: dict[str, object] = {"user_id": user_id, "revoked_at": None}
        id_filter: dict[str, list[PydanticObjectId]] = {}
        if session_ids is not None:
            id_filter["$in"] = [oid for oid in map(object_id, session_ids) if oid is not None]
        keep_oid = object_id(keep) if keep is not None else None
        if keep_oid is not None:
            id_filter["$nin"] = [keep_oid]
        if id_filter:
            query["_id"] = id_filter
        collection = AuthSession.get_pymongo_collection()
        ids = [str(doc["_id"]) async for doc in collection.find(query, projection={"_id": 1})]
        if not ids:
            return 0
        await collection.update_many(
            {"_id": {"$in": [object_id(i) for i in ids]}, "revoked_at": None},
            {"$set": {"revoked_at": datetime.now(UTC), "revoked_reason": reason}},
        )
        await self._state.revoke_sessions(ids)
        return len(ids)

    async def authenticate(
        self,
        access_token: str,
        verified: TokenClaims | None = None,
        prefetched: Mapping[str, str | None] | None = None,
    ) -> Principal:
        """The principal of a live access token; ``verified`` are its claims when this request
        already verified it (signature and registered claims), else it is verified here, and
        ``prefetched`` the auth cache entries it already read (see ``AuthState.resolve``)."""
        claims = verified if verified is not None else self._codec.decode(access_token, "access")
        snapshot = await self._state.resolve(claims.subject, claims.session_id, claims.token_id, prefetched)
        if snapshot is None:
            raise InvalidToken()
        return Principal(
            id=snapshot.id,
            username=snapshot.username,
            roles=snapshot.roles,
            permissions=snapshot.permissions,
            is_active=snapshot.is_active,
            session_id=claims.session_id,
            token_id=claims.token_id,
            token_expires_at=claims.expires_at,
        )
