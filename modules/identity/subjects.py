"""Who a request is for rate limiting: the user of a validly signed access token.

Only the signature and registered claims are checked (cheap, no I/O): the bucket is chosen
before authentication, and a revoked but well-signed token still counts against its user. The
verified claims are left in the request's state (with the token they belong to), so the
authentication middleware of the same request does not verify the same token again, and the
token's auth cache entries are read in the rate limiter's round trip (``PREFETCH_STATE``).
"""

from __future__ import annotations

from collections.abc import Callable

from litestar.types import Scope

from app.kernel.ratelimit import Subject
from app.kernel.settings import Settings
from modules.identity.errors import InvalidToken
from modules.identity.services._auth_state import cache_keys
from modules.identity.tokens import TokenClaims, TokenCodec

ACCESS_CLAIMS_STATE = "marquee.access_claims"


def verified_claims(scope: Scope, token: str) -> TokenClaims | None:
    """The access-token claims verified earlier in this request for exactly ``token``, if any."""
    found = scope.get("state", {}).get(ACCESS_CLAIMS_STATE)
    if found is not None and found[0] == token:
        return found[1]  # type: ignore[no-any-return]
    return None


def rate_limit_subject(settings: Settings) -> Callable[[Scope], Subject | None]:
    codec = TokenCodec.from_settings(settings)

    def subject(scope: Scope) -> Subject | None:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not token.strip() or len(token) > 4096:
                    return None
                token = token.strip()
                try:
                    claims = codec.decode(token, "access")
                except InvalidToken:
                    return None
                scope.setdefault("state", {})[ACCESS_CLAIMS_STATE] = (token, claims)
                return Subject(claims.subject, cache_keys(claims.subject, claims.session_id, claims.token_id))
        return None

    return subject
