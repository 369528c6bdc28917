"""REQUIRE_ACTIVATION=true: an account that is not activated can read but not write."""

from __future__ import annotations

import httpx
import pytest

from app.kernel import runtime
from modules.identity.mails import ACTIVATION_SUBJECT
from tests.integration.accounts import create_account
from tests.integration.identity.conftest import Mailbox
from tests.support import error_of


@pytest.fixture
def require_activation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime.current().settings, "require_activation", True)


async def test_inactive_accounts_read_but_cannot_write_until_activated(
    api: httpx.AsyncClient, mailbox: Mailbox, require_activation: None
) -> None:
    account = await create_account(api, "ghost", email="ghost@example.com")
    me = await api.get("/v1/users/me", headers=account.headers)
    assert me.status_code == 200
    assert me.json()["is_active"] is False
    assert (await api.get(f"/v1/users/{account.id}", headers=account.headers)).status_code == 200

    for method, path, body in (
        ("PATCH", "/v1/users/me", {"display_name": "Ghost"}),
        ("PUT", "/v1/users/me/password", {"current_password": account.password, "new_password": "boo12345"}),
    ):
        response = await api.request(method, path, json=body, headers=account.headers)
        assert response.status_code == 403, path
        assert error_of(response)["code"] == "FORBIDDEN"

    token = await mailbox.token("ghost@example.com", ACTIVATION_SUBJECT)
    assert (await api.post("/v1/auth/activate", json={"token": token})).status_code == 200
    # the cached identity was dropped: the same token may write at once
    response = await api.patch("/v1/users/me", json={"display_name": "Ghost"}, headers=account.headers)
    assert response.status_code == 200
    assert response.json()["display_name"] == "Ghost"


async def test_logout_works_for_inactive_accounts(api: httpx.AsyncClient, require_activation: None) -> None:
    account = await create_account(api, "shadow")
    assert (await api.post("/v1/auth/logout", headers=account.headers)).status_code == 204
    assert (await api.get("/v1/users/me", headers=account.headers)).status_code == 401


async def test_without_the_setting_inactive_accounts_write(api: httpx.AsyncClient) -> None:
    account = await create_account(api, "casper")
    response = await api.patch("/v1/users/me", json={"display_name": "Casper"}, headers=account.headers)
    assert response.status_code == 200
    assert response.json()["is_active"] is False
