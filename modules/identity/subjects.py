"""Who a request is for rate limiting: the user of a validly signed access token.

Only the signature and registered claims are checked (cheap, no I/O): the bucket is chosen
before authentication, and a revoked but well-signed token still counts against its user.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar.types import Scope

from app.kernel.settings import Settings
from modules.identity.errors import InvalidToken
from modules.identity.tokens import TokenCodec


def rate_limit_subject(settings: Settings) -> Callable[[Scope], str | None]:
    codec = TokenCodec.from_settings(settings)

    def subject(scope: Scope) -> str | None:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not token.strip() or len(token) > 4096:
                    return None
                try:
                    return codec.decode(token.strip(), "access").subject
                except InvalidToken:
                    return None
        return None

    return subject
