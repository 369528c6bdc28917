"""Registration, login, token verification, refresh rotation and reuse detection, logout."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from app.kernel.settings import Settings
from tests.integration.accounts import Account, create_account, login
from tests.support import error_of


async def test_register_returns_private_view(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/auth/register",
        json={"username": "Neo", "password": "matrix1999", "email": "neo@example.com", "phone": "+380501234567"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "Neo"
    assert body["roles"] == ["member"]
    assert body["permissions"] == ["movies:read", "movies:write"]
    assert body["is_active"] is False
    assert "password_hash" not in body
    assert "password" not in body
    assert body["created_at"].endswith("Z")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "1abc", "password": "abcdefg1"}, "username"),
        ({"username": "ab", "password": "abcdefg1"}, "username"),
        ({"username": "abc_d", "password": "abcdefg1"}, "username"),
        ({"username": "abcd", "password": "short1"}, "password"),
        ({"username": "abcd", "password": "onlyletters"}, "password"),
        ({"username": "abcd", "password": "123456789"}, "password"),
        ({"username": "abcd1234", "password": "ABCD1234"}, "body"),
        ({"username": "abcd", "password": "abcdefg1", "phone": "0501234567"}, "phone"),
        ({"username": "abcd", "password": "abcdefg1", "email": "not-an-email"}, "email"),
        ({"username": "abcd", "password": "abcdefg1", "roles": ["admin"]}, "roles"),
        ({"username": {"$ne": None}, "password": "abcdefg1"}, "username"),
    ],
)
async def test_register_validation(api: httpx.AsyncClient, payload: dict[str, object], field: str) -> None:
    response = await api.post("/v1/auth/register", json=payload)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [item["field"] for item in error["details"]["fields"]]


async def test_register_duplicates_are_409(api: httpx.AsyncClient) -> None:
    await create_account(api, "Trinity", email="t@example.com", phone="+15551234567")
    cases = [
        ({"username": "TRINITY", "password": "another12"}, "USERNAME_TAKEN"),
        ({"username": "other", "password": "another12", "email": "T@EXAMPLE.com"}, "EMAIL_TAKEN"),
        ({"username": "other", "password": "another12", "phone": "+15551234567"}, "PHONE_TAKEN"),
    ]
    for payload, code in cases:
        response = await api.post("/v1/auth/register", json=payload)
        assert response.status_code == 409
        assert error_of(response)["code"] == code


async def test_concurrent_registrations_of_one_username(api: httpx.AsyncClient) -> None:
    async def attempt(i: int) -> int:
        response = await api.post("/v1/auth/register", json={"username": "Morpheus", "password": f"zion{i}pass"})
        return response.status_code

    statuses = await asyncio.gather(*(attempt(i) for i in range(100)))
    assert statuses.count(201) == 1
    assert statuses.count(409) == 99
    from modules.identity.documents import User

    assert await User.find({"username": "Morpheus"}).count() == 1


async def test_login_by_username_email_phone(api: httpx.AsyncClient) -> None:
    account = await create_account(api, "Smith", email="smith@example.com", phone="+15550001111")
    for login_value in ("smith", "SMITH@example.com", "+15550001111"):
        tokens = await login(api, login_value, account.password)
        assert tokens["token_type"] == "Bearer"
        assert tokens["expires_in"] == 900
        me = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 200
        assert me.json()["id"] == account.id


async def test_login_failures_are_identical(api: httpx.AsyncClient, member: Account) -> None:
    wrong_password = await api.post("/v1/auth/login", json={"login": member.username, "password": "wrong-pass1"})
    unknown_user = await api.post("/v1/auth/login", json={"login": "nobody", "password": "wrong-pass1"})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert error_of(wrong_password) == error_of(unknown_user)
    assert error_of(wrong_password)["code"] == "INVALID_CREDENTIALS"


def _forge(settings: Settings, account: Account, **overrides: object) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = jwt.decode(account.access_token, options={"verify_signature": False})
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    key = str(claims.pop("__key", settings.jwt_key))
    algorithm = str(claims.pop("__alg", "HS256"))
    if "iat" not in overrides:
        claims["iat"] = now
    return jwt.encode(claims, key, algorithm=algorithm)


async def test_forged_tokens_are_401(api: httpx.AsyncClient, member: Account, settings: Settings) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    header, payload, signature = member.access_token.split(".")
    tampered_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    none_token = jwt.encode(jwt.decode(member.access_token, options={"verify_signature": False}), "", algorithm="none")
    forged = {
        "alg none": none_token,
        "wrong key": _forge(settings, member, __key="x" * 48),
        "tampered": f"{header}.{tampered_payload}.{signature}",
        "expired": _forge(settings, member, exp=past, iat=past - timedelta(minutes=1), nbf=past - timedelta(minutes=1)),
        "wrong issuer": _forge(settings, member, iss="evil"),
        "wrong audience": _forge(settings, member, aud="other-api"),
        "missing jti": _forge(settings, member, jti=None),
        "missing nbf": _forge(settings, member, nbf=None),
        "refresh as access": member.refresh_token,
        "garbage": "not.a.token",
    }
    for name, token in forged.items():
        response = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert error_of(response)["code"] == "UNAUTHENTICATED", name
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), name
    for header_value in ("", "Basic abc", "Bearer", f"Token {member.access_token}"):
        response = await api.get("/v1/users/me", headers={"Authorization": header_value} if header_value else {})
        assert response.status_code == 401


async def test_access_token_is_not_a_refresh_token(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.post("/v1/auth/refresh", json={"refresh_token": member.access_token})
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHENTICATED"


async def test_refresh_rotates_and_reuse_revokes_the_family(api: httpx.AsyncClient, member: Account) -> None:
    first = await api.post("/v1/auth/refresh", json={"refresh_token": member.refresh_token})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != member.refresh_token
    replay = await api.post("/v1/auth/refresh", json={"refresh_token": member.refresh_token})
    assert replay.status_code == 401
    # the whole family is gone: the rotated refresh token and its access token
    assert (await api.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})).status_code == 401
    me = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {rotated['access_token']}"})
    assert me.status_code == 401


async def test_logout_revokes_access_and_refresh(api: httpx.AsyncClient, member: Account) -> None:
    other_session = await login(api, member.username, member.password)
    assert (await api.get("/v1/users/me", headers=member.headers)).status_code == 200
    response = await api.post("/v1/auth/logout", headers=member.headers)
    assert response.status_code == 204
    assert (await api.get("/v1/users/me", headers=member.headers)).status_code == 401
    assert (await api.post("/v1/auth/refresh", json={"refresh_token": member.refresh_token})).status_code == 401
    # another session of the same user is untouched
    other = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {other_session['access_token']}"})
    assert other.status_code == 200


async def test_token_responses_are_not_cached(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.post("/v1/auth/login", json={"login": member.username, "password": member.password})
    assert response.headers.get("Cache-Control") == "no-store"


async def test_public_profile_hides_contact_details(api: httpx.AsyncClient, member: Account) -> None:
    other = await create_account(api, "carol", email="carol@example.com", phone="+15550002222")
    response = await api.get(f"/v1/users/{other.id}", headers=member.headers)
    assert response.status_code == 200
    body = response.json()
    assert "email" not in body
    assert "phone" not in body
    assert body["stats"] == {"ratings_count": 0, "average_score": None}
    me = await api.get("/v1/users/me", headers=member.headers)
    assert me.json()["username"] == "alice"
    for bad in ("not-an-id", "0" * 24):
        missing = await api.get(f"/v1/users/{bad}", headers=member.headers)
        assert missing.status_code == 404
        assert error_of(missing)["code"] == "USER_NOT_FOUND"


async def test_protected_routes_need_a_token(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/users/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
