"""Access tokens are verified once per process, but never accepted after they expire."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest

from app.kernel.settings import Settings
from modules.identity import tokens
from modules.identity.errors import InvalidToken
from modules.identity.tokens import TokenCodec


def codec() -> TokenCodec:
    return TokenCodec("s" * 48, "marquee", "marquee-api", access_ttl=600, refresh_ttl=3600)


def test_a_verified_access_token_is_remembered_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens_codec = codec()
    issued = tokens_codec.issue("access", "user-1", "session-1")
    first = tokens_codec.decode(issued.token, "access")
    assert first == issued.claims
    assert tokens_codec.decode(issued.token, "access") is first

    later = time.time() + 601
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(InvalidToken):
        tokens_codec.decode(issued.token, "access")


def test_what_fails_verification_is_never_remembered() -> None:
    tokens_codec = codec()
    refresh = tokens_codec.issue("refresh", "user-1", "session-1").token
    access = tokens_codec.issue("access", "user-1", "session-1").token
    for _ in range(2):
        with pytest.raises(InvalidToken):
            tokens_codec.decode(refresh, "access")
        with pytest.raises(InvalidToken):
            tokens_codec.decode(access, "refresh")
        with pytest.raises(InvalidToken):
            tokens_codec.decode(access[:-2] + "xx", "access")
    tampered_secret = TokenCodec("t" * 48, "marquee", "marquee-api", access_ttl=600, refresh_ttl=3600)
    tokens_codec.decode(access, "access")
    with pytest.raises(InvalidToken):
        tampered_secret.decode(access, "access")


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "VERIFIED_ACCESS_TOKENS", 3)
    tokens_codec = codec()
    issued = [tokens_codec.issue("access", f"user-{n}", "session").token for n in range(5)]
    for token in issued:
        tokens_codec.decode(token, "access")
    assert len(tokens_codec._verified) == 3
    assert tokens_codec.decode(issued[0], "access").subject == "user-0"


def test_the_environment_names_the_issuer_audience_and_lifetimes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "JWT_SECRET": "e" * 40,
        "JWT_ISSUER": "studio",
        "JWT_AUDIENCE": "studio-api",
        "ACCESS_TOKEN_TTL_SECONDS": "120",
        "REFRESH_TOKEN_TTL_SECONDS": "7200",
    }.items():
        monkeypatch.setenv(name, value)
    configured = TokenCodec.from_settings(Settings(_env_file=None))
    access = configured.issue("access", "user-1", "session-1")
    refresh = configured.issue("refresh", "user-1", "session-1")
    claims = jwt.decode(access.token, options={"verify_signature": False})
    assert (claims["iss"], claims["aud"], claims["exp"] - claims["iat"]) == ("studio", "studio-api", 120)
    assert refresh.claims.expires_at - refresh.claims.issued_at == timedelta(seconds=7200)
    assert configured.decode(access.token, "access").subject == "user-1"

    # the same secret under the default issuer and audience refuses them
    defaults = TokenCodec("e" * 40, "marquee", "marquee-api", access_ttl=900, refresh_ttl=1_209_600)
    with pytest.raises(InvalidToken):
        defaults.decode(access.token, "access")
    with pytest.raises(InvalidToken):
        defaults.decode(refresh.token, "refresh")
