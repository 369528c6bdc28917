"""Admin routes: GET /v1/users and PUT /v1/users/{user_id}/roles."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.accounts import Account, create_account
from tests.support import error_of


async def test_members_cannot_use_admin_routes(api: httpx.AsyncClient, member: Account, other_member: Account) -> None:
    listing = await api.get("/v1/users", headers=member.headers)
    assert listing.status_code == 403
    assert error_of(listing)["code"] == "FORBIDDEN"
    roles = await api.put(f"/v1/users/{member.id}/roles", json={"roles": ["admin"]}, headers=member.headers)
    assert roles.status_code == 403
    assert error_of(roles)["code"] == "FORBIDDEN"
    # the guard answers before the body is read
    bad_body = await api.put(f"/v1/users/{other_member.id}/roles", json={"roles": "x"}, headers=member.headers)
    assert bad_body.status_code == 403
    me = await api.get("/v1/users/me", headers=member.headers)
    assert me.json()["roles"] == ["member"]


async def test_admin_routes_need_a_token(api: httpx.AsyncClient, member: Account) -> None:
    assert (await api.get("/v1/users")).status_code == 401
    assert (await api.put(f"/v1/users/{member.id}/roles", json={"roles": ["admin"]})).status_code == 401


async def test_admin_lists_users_paged_oldest_first(api: httpx.AsyncClient, admin: Account) -> None:
    others = [await create_account(api, name, email=f"{name}@example.com") for name in ("anna", "Albert", "bruno")]
    response = await api.get("/v1/users", headers=admin.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["page"] == 1
    assert body["page_size"] == 20
    assert body["total"] == 4
    assert [user["username"] for user in body["data"]] == ["root", "anna", "Albert", "bruno"]
    assert body["data"][1]["email"] == "anna@example.com"  # the private view
    assert "password_hash" not in body["data"][1]

    second = await api.get("/v1/users", params={"page": 2, "page_size": 3}, headers=admin.headers)
    assert second.json()["data"][0]["id"] == others[2].id
    assert second.json()["total"] == 4
    past = await api.get("/v1/users", params={"page": 9, "page_size": 3}, headers=admin.headers)
    assert past.json() == {"data": [], "page": 9, "page_size": 3, "total": 4}

    prefix = await api.get("/v1/users", params={"q": "AL"}, headers=admin.headers)
    assert [user["username"] for user in prefix.json()["data"]] == ["Albert"]
    assert prefix.json()["total"] == 1
    none = await api.get("/v1/users", params={"q": "zed"}, headers=admin.headers)
    assert none.json()["total"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 101}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"q": ".*"}, "q"),
        ({"q": "a" * 33}, "q"),
        ({"q": ""}, "q"),
    ],
)
async def test_listing_parameters_are_validated(
    api: httpx.AsyncClient, admin: Account, params: dict[str, Any], field: str
) -> None:
    response = await api.get("/v1/users", params=params, headers=admin.headers)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [item["field"] for item in error["details"]["fields"]]


async def test_admin_sets_roles_and_they_apply_at_once(api: httpx.AsyncClient, admin: Account, member: Account) -> None:
    # the member's identity is cached by its first request...
    assert (await api.get("/v1/users", headers=member.headers)).status_code == 403
    response = await api.put(f"/v1/users/{member.id}/roles", json={"roles": ["admin"]}, headers=admin.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == member.id
    assert body["roles"] == ["member", "admin"]
    assert body["email"] is None  # the private view
    # ...and the change applies to the very next request with the same token
    assert (await api.get("/v1/users", headers=member.headers)).status_code == 200

    demoted = await api.put(f"/v1/users/{member.id}/roles", json={"roles": ["member"]}, headers=admin.headers)
    assert demoted.json()["roles"] == ["member"]
    assert (await api.get("/v1/users", headers=member.headers)).status_code == 403


async def test_roles_of_unknown_users_are_404(api: httpx.AsyncClient, admin: Account) -> None:
    for user_id in ("0" * 24, "not-an-id", "ffffffffffffffffffffffff"):
        response = await api.put(f"/v1/users/{user_id}/roles", json={"roles": ["admin"]}, headers=admin.headers)
        assert response.status_code == 404
        assert error_of(response)["code"] == "USER_NOT_FOUND"


@pytest.mark.parametrize(
    "body",
    [
        {"roles": ["superuser"]},
        {"roles": ["admin", "root"]},
        {"roles": []},
        {"roles": "admin"},
        {"roles": [{"$ne": None}]},
        {"roles": {"$ne": None}},
        {},
        {"roles": ["admin"], "permissions": ["movies:write"]},
    ],
)
async def test_roles_body_is_validated(
    api: httpx.AsyncClient, admin: Account, member: Account, body: dict[str, object]
) -> None:
    response = await api.put(f"/v1/users/{member.id}/roles", json=body, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert error_of(response)["code"] == "VALIDATION_ERROR"
    me = await api.get("/v1/users/me", headers=member.headers)
    assert me.json()["roles"] == ["member"]
