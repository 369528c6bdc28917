"""PATCH /v1/users/me and PUT /v1/users/me/password."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.accounts import Account, create_account, login
from tests.support import error_of


async def test_patch_sets_and_clears_profile_fields(api: httpx.AsyncClient, member: Account) -> None:
    changes = {
        "display_name": "  Alice Liddell ",
        "email": "alice@example.com",
        "phone": "+380501234567",
        "date_of_birth": "1990-05-17",
    }
    response = await api.patch("/v1/users/me", json=changes, headers=member.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "Alice Liddell"
    assert body["email"] == "alice@example.com"
    assert body["phone"] == "+380501234567"
    assert body["date_of_birth"] == "1990-05-17"
    assert body["username"] == "alice"
    me = await api.get("/v1/users/me", headers=member.headers)
    assert me.json() == body
    public = await api.get(f"/v1/users/{member.id}", headers=member.headers)
    assert public.json()["display_name"] == "Alice Liddell"
    # login by the new email and phone works
    await login(api, "alice@example.com", member.password)
    await login(api, "+380501234567", member.password)

    partial = await api.patch("/v1/users/me", json={"display_name": "Al"}, headers=member.headers)
    assert partial.json()["email"] == "alice@example.com"
    assert partial.json()["date_of_birth"] == "1990-05-17"

    cleared = await api.patch(
        "/v1/users/me",
        json={"display_name": None, "email": None, "phone": None, "date_of_birth": None},
        headers=member.headers,
    )
    assert cleared.status_code == 200
    assert {k: cleared.json()[k] for k in changes} == dict.fromkeys(changes)
    unchanged = await api.patch("/v1/users/me", json={}, headers=member.headers)
    assert unchanged.status_code == 200
    assert unchanged.json()["username"] == "alice"


async def test_patch_conflicts_are_409(api: httpx.AsyncClient, member: Account) -> None:
    await create_account(api, "carol", email="carol@example.com", phone="+15550002222")
    email = await api.patch("/v1/users/me", json={"email": "CAROL@example.com"}, headers=member.headers)
    assert email.status_code == 409
    assert error_of(email)["code"] == "EMAIL_TAKEN"
    phone = await api.patch("/v1/users/me", json={"phone": "+15550002222"}, headers=member.headers)
    assert phone.status_code == 409
    assert error_of(phone)["code"] == "PHONE_TAKEN"
    # two accounts may both have no email/phone
    await api.patch("/v1/users/me", json={"email": None}, headers=member.headers)
    assert (await api.get("/v1/users/me", headers=member.headers)).json()["email"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "mallory"}, "username"),
        ({"roles": ["admin"]}, "roles"),
        ({"is_active": True}, "is_active"),
        ({"permissions": ["movies:write"]}, "permissions"),
        ({"display_name": {"$ne": None}}, "display_name"),
        ({"email": {"$ne": None}}, "email"),
        ({"phone": {"$ne": None}}, "phone"),
        ({"date_of_birth": {"$ne": None}}, "date_of_birth"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"email": "nope"}, "email"),
        ({"phone": "0501234567"}, "phone"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": "17/05/1990"}, "date_of_birth"),
    ],
)
async def test_patch_validation(api: httpx.AsyncClient, member: Account, body: dict[str, object], field: str) -> None:
    response = await api.patch("/v1/users/me", json=body, headers=member.headers)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [item["field"] for item in error["details"]["fields"]]
    me = await api.get("/v1/users/me", headers=member.headers)
    assert me.json()["username"] == "alice"
    assert me.json()["roles"] == ["member"]


async def test_patch_needs_a_token(api: httpx.AsyncClient) -> None:
    response = await api.patch("/v1/users/me", json={"display_name": "x"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHENTICATED"


async def test_password_change_keeps_this_session_and_revokes_the_others(
    api: httpx.AsyncClient, member: Account
) -> None:
    other = await login(api, member.username, member.password)
    response = await api.put(
        "/v1/users/me/password",
        json={"current_password": member.password, "new_password": "wonderland9"},
        headers=member.headers,
    )
    assert response.status_code == 204, response.text
    assert (await api.get("/v1/users/me", headers=member.headers)).status_code == 200
    assert (await api.post("/v1/auth/refresh", json={"refresh_token": member.refresh_token})).status_code == 200
    other_me = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {other['access_token']}"})
    assert other_me.status_code == 401
    assert (await api.post("/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})).status_code == 401
    old = await api.post("/v1/auth/login", json={"login": member.username, "password": member.password})
    assert old.status_code == 401
    await login(api, member.username, "wonderland9")


async def test_wrong_current_password_is_403(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.put(
        "/v1/users/me/password",
        json={"current_password": "not-my-pass1", "new_password": "wonderland9"},
        headers=member.headers,
    )
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "FORBIDDEN"
    assert error["details"] == {"field": "current_password"}
    assert "WWW-Authenticate" not in response.headers
    await login(api, member.username, member.password)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_password": "x", "new_password": "short1"}, "new_password"),
        ({"current_password": "x", "new_password": "lettersonly"}, "new_password"),
        ({"current_password": "x", "new_password": "ALICE"}, "new_password"),
        ({"current_password": "x", "new_password": "Alice123", "extra": 1}, "extra"),
        ({"current_password": {"$ne": None}, "new_password": "wonderland9"}, "current_password"),
        ({"current_password": "x", "new_password": {"$ne": None}}, "new_password"),
        ({"new_password": "wonderland9"}, "current_password"),
        ({"current_password": "", "new_password": "wonderland9"}, "current_password"),
    ],
)
async def test_password_change_validation(
    api: httpx.AsyncClient, member: Account, body: dict[str, object], field: str
) -> None:
    response = await api.put("/v1/users/me/password", json=body, headers=member.headers)
    assert response.status_code == 422, response.text
    assert field in [item["field"] for item in error_of(response)["details"]["fields"]]


async def test_new_password_must_differ_and_not_be_the_username(api: httpx.AsyncClient) -> None:
    account = await create_account(api, "alice2026")
    same = await api.put(
        "/v1/users/me/password",
        json={"current_password": account.password, "new_password": account.password},
        headers=account.headers,
    )
    assert same.status_code == 422
    assert [f["field"] for f in error_of(same)["details"]["fields"]] == ["new_password"]
    username = await api.put(
        "/v1/users/me/password",
        json={"current_password": account.password, "new_password": "ALICE2026"},
        headers=account.headers,
    )
    assert username.status_code == 422
    assert [f["field"] for f in error_of(username)["details"]["fields"]] == ["new_password"]


async def test_password_change_needs_a_token(api: httpx.AsyncClient) -> None:
    response = await api.put("/v1/users/me/password", json={"current_password": "a", "new_password": "wonderland9"})
    assert response.status_code == 401
