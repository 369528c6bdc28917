"""JWT access and refresh tokens: HS256 pinned, every registered claim required and checked.

Refresh tokens are signed with a key derived from the secret for that purpose only, and carry
``typ=refresh``: a refresh token can never pass as an access token, nor the reverse.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

import jwt

from app.kernel.settings import Settings
from modules.identity.errors import InvalidToken

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "sub", "jti", "iss", "aud"]
TokenType = Literal["access", "refresh"]
VERIFIED_ACCESS_TOKENS = 4096  # access tokens whose verification a process remembers


@dataclass(frozen=True, slots=True)
class TokenClaims:
    subject: str
    token_id: str
    session_id: str
    token_type: TokenType
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    claims: TokenClaims


class TokenCodec:
    def __init__(self, secret: str, issuer: str, audience: str, access_ttl: int, refresh_ttl: int) -> None:
        key = secret.encode()
        self._keys: dict[TokenType, bytes] = {
            "access": key,
            "refresh": hmac.new(key, b"marquee-refresh-token-key", hashlib.sha256).digest(),
        }
        self._issuer = issuer
        self._audience = audience
        self._ttl: dict[TokenType, int] = {"access": access_ttl, "refresh": refresh_ttl}
        self._verified: dict[str, tuple[TokenClaims, float]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCodec:
        return _codec(
            settings.jwt_key,
            settings.jwt_issuer,
            settings.jwt_audience,
            settings.access_token_ttl_seconds,
            settings.refresh_token_ttl_seconds,
        )

    def ttl(self, token_type: TokenType) -> int:
        return self._ttl[token_type]

    def issue(self, token_type: TokenType, subject: str, session_id: str, now: datetime | None = None) -> IssuedToken:
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        expires_at = now + timedelta(seconds=self._ttl[token_type])
        claims = TokenClaims(
            subject=subject,
            token_id=uuid.uuid4().hex,
            session_id=session_id,
            token_type=token_type,
            issued_at=now,
            expires_at=expires_at,
        )
        payload: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "jti": claims.token_id,
            "sid": session_id,
            "typ": token_type,
            "iat": now,
            "nbf": now,
            "exp": expires_at,
        }
        token = jwt.encode(payload, self._keys[token_type], algorithm=ALGORITHM, headers={"typ": "JWT"})
        return IssuedToken(token=token, claims=claims)

    def decode(self, token: str, expected: TokenType) -> TokenClaims:
        """Verify signature, algorithm, registered claims and type, or raise ``InvalidToken``.

        An access token verified before is not verified again (every request carries one): its
        claims are remembered, bounded, and only its expiry is checked again (signature,
        issuer, audience and type cannot change, and ``nbf``/``iat`` once passed stay passed).
        Whether its session still stands is never remembered here (``AuthState`` decides).
        """
        if expected != "access":
            return self._verify(token, expected)
        remembered = self._verified.get(token)
        if remembered is not None:
            claims, expires = remembered
            if time.time() < expires:
                return claims
            del self._verified[token]
            raise InvalidToken()
        claims = self._verify(token, expected)
        if len(self._verified) >= VERIFIED_ACCESS_TOKENS:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (claims, claims.expires_at.timestamp())
        return claims

    def _verify(self, token: str, expected: TokenType) -> TokenClaims:
        try:
            payload = jwt.decode(
                token,
                self._keys[expected],
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True},
                leeway=0,
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken() from exc
        subject, token_id, session_id = payload.get("sub"), payload.get("jti"), payload.get("sid")
        if payload.get("typ") != expected or not all(
            isinstance(value, str) and value for value in (subject, token_id, session_id)
        ):
            raise InvalidToken()
        return TokenClaims(
            subject=str(subject),
            token_id=str(token_id),
            session_id=str(session_id),
            token_type=expected,
            issued_at=datetime.fromtimestamp(int(payload["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )


@lru_cache(maxsize=4)
def _codec(secret: str, issuer: str, audience: str, access_ttl: int, refresh_ttl: int) -> TokenCodec:
    return TokenCodec(secret, issuer, audience, access_ttl, refresh_ttl)
