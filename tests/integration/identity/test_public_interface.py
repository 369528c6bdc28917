"""Identity's public functions for other modules and the seed step."""

from __future__ import annotations

import httpx
import pytest

from modules.identity import ensure_admin, set_user_rating_stats
from modules.identity.documents import User
from tests.integration.accounts import Account, create_account, login


async def test_rating_stats_show_on_the_public_profile(api: httpx.AsyncClient, member: Account) -> None:
    other = await create_account(api, "critic")
    await set_user_rating_stats(other.id, 3, 7.5)
    profile = await api.get(f"/v1/users/{other.id}", headers=member.headers)
    assert profile.json()["stats"] == {"ratings_count": 3, "average_score": 7.5}
    await set_user_rating_stats(other.id, 0, 4.0)
    profile = await api.get(f"/v1/users/{other.id}", headers=member.headers)
    assert profile.json()["stats"] == {"ratings_count": 0, "average_score": None}


async def test_rating_stats_ignore_unknown_users_and_refuse_negative_counts(
    api: httpx.AsyncClient, member: Account
) -> None:
    await set_user_rating_stats("0" * 24, 1, 5.0)
    await set_user_rating_stats("not-an-id", 1, 5.0)
    with pytest.raises(ValueError, match="negative"):
        await set_user_rating_stats(member.id, -1, None)
    profile = await api.get(f"/v1/users/{member.id}", headers=member.headers)
    assert profile.json()["stats"] == {"ratings_count": 0, "average_score": None}


async def test_ensure_admin_creates_an_active_admin_once(api: httpx.AsyncClient) -> None:
    admin_id = await ensure_admin("admin", "marquee-admin-2026")
    assert await ensure_admin("ADMIN", "ignored-when-present-1") == admin_id
    assert await User.find_all().count() == 1
    tokens = await login(api, "admin", "marquee-admin-2026")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = await api.get("/v1/users/me", headers=headers)
    assert me.json()["id"] == admin_id
    assert me.json()["roles"] == ["member", "admin"]
    assert me.json()["is_active"] is True
    assert (await api.get("/v1/users", headers=headers)).status_code == 200


async def test_ensure_admin_never_promotes_an_existing_member(api: httpx.AsyncClient) -> None:
    squatter = await create_account(api, "admin")
    with pytest.raises(ValueError, match="not an administrator"):
        await ensure_admin("admin", "marquee-admin-2026")
    me = await api.get("/v1/users/me", headers=squatter.headers)
    assert me.json()["roles"] == ["member"]


@pytest.mark.parametrize(
    ("username", "password"),
    [("admin", "short1"), ("admin", "nodigitshere"), ("1admin", "marquee-admin-2026"), ("admin2026", "ADMIN2026")],
)
async def test_ensure_admin_applies_the_account_rules(api: httpx.AsyncClient, username: str, password: str) -> None:
    with pytest.raises(ValueError):  # pydantic's ValidationError is a ValueError too
        await ensure_admin(username, password)
    assert await User.find_all().count() == 0
