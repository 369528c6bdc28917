"""Single-use activation and password-reset tokens, stored only as their SHA-256 hash.

The raw token (256 random bits) exists in the mail and in the caller's request, never at rest
in the database. Consuming is one atomic conditional ``update_one`` on an unused, unexpired token
(then the record is read back by its unique hash), so two concurrent uses of one token cannot
both succeed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.kernel.documents import update_and_read
from modules.identity.documents import OneTimeToken, TokenPurpose

ACTIVATION_TTL = timedelta(hours=48)
PASSWORD_RESET_TTL = timedelta(hours=1)
TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedOneTimeToken:
    token: str
    expires_at: datetime


class OneTimeTokens:
    async def issue(self, user_id: str, purpose: TokenPurpose, ttl: timedelta) -> IssuedOneTimeToken:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires_at = (datetime.now(UTC) + ttl).replace(microsecond=0)
        await OneTimeToken(
            purpose=purpose, user_id=user_id, token_hash=hash_token(token), expires_at=expires_at
        ).insert()
        return IssuedOneTimeToken(token=token, expires_at=expires_at)

    @staticmethod
    def _usable(token: str, purpose: TokenPurpose) -> dict[str, object]:
        return {
            "token_hash": hash_token(token),
            "purpose": purpose,
            "used_at": None,
            "expires_at": {"$gt": datetime.now(UTC)},
        }

    async def find_usable(self, token: str, purpose: TokenPurpose) -> OneTimeToken | None:
        """The token's record if it could be consumed now (it is not consumed)."""
        raw = await OneTimeToken.get_pymongo_collection().find_one(self._usable(token, purpose))
        return OneTimeToken.model_validate(raw) if raw is not None else None

    async def consume(self, token: str, purpose: TokenPurpose) -> OneTimeToken | None:
        """Mark the token used, atomically; ``None`` if it is unknown, expired or already used."""
        usable = self._usable(token, purpose)
        # update_one + find_one on the unique hash, not findAndModify (a collection scan on the
        # embedded server); the "used_at": None condition makes the update the atomic claim
        raw = await update_and_read(
            OneTimeToken.get_pymongo_collection(),
            {"token_hash": usable.pop("token_hash")},
            {"$set": {"used_at": datetime.now(UTC)}},
            where=usable,
        )
        return OneTimeToken.model_validate(raw) if raw is not None else None

    async def outstanding(self, user_id: str, purpose: TokenPurpose) -> int:
        return await OneTimeToken.get_pymongo_collection().count_documents(
            {"user_id": user_id, "purpose": purpose, "used_at": None, "expires_at": {"$gt": datetime.now(UTC)}}
        )

    async def retire(self, user_id: str, purpose: TokenPurpose) -> None:
        """Make every unused token of this purpose unusable (after the goal was reached another way)."""
        await OneTimeToken.get_pymongo_collection().update_many(
            {"user_id": user_id, "purpose": purpose, "used_at": None},
            {"$set": {"used_at": datetime.now(UTC)}},
        )
