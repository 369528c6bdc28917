"""Password reset: POST /v1/auth/password-reset (always 202) and /password-reset/confirm."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from modules.identity.deps import build_account_service
from modules.identity.documents import OneTimeToken, OutboundMail
from modules.identity.mails import PASSWORD_RESET_SUBJECT
from modules.identity.services import OneTimeTokens
from tests.integration.accounts import create_account, login
from tests.integration.identity.conftest import Mailbox
from tests.integration.identity.test_activation import assert_bad_token
from tests.support import WorkerProcess, error_of


async def test_request_answers_202_alike_for_known_and_unknown_emails(api: httpx.AsyncClient, mailbox: Mailbox) -> None:
    await create_account(api, "seraph", email="seraph@example.com")
    known = await api.post("/v1/auth/password-reset", json={"email": "seraph@example.com"})
    unknown = await api.post("/v1/auth/password-reset", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.json() == {
        "message": "If an account has this email address, a password-reset token has been mailed to it."
    }
    assert known.headers["content-type"] == unknown.headers["content-type"] == "application/json"
    assert known.headers["Cache-Control"] == unknown.headers["Cache-Control"] == "no-store"


async def test_reset_mail_sets_a_new_password_and_revokes_every_session(
    api: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    account = await create_account(api, "trinity", email="trinity@example.com")
    second = await login(api, account.username, account.password)
    # what the worker does for POST /v1/auth/password-reset (the address matches case-insensitively)
    await build_account_service().send_password_reset("TRINITY@example.com")
    token = await mailbox.token("trinity@example.com", PASSWORD_RESET_SUBJECT)
    stored = await OneTimeToken.find_one({"user_id": account.id, "purpose": "password_reset"})
    assert stored is not None
    assert token not in stored.model_dump_json()

    response = await api.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "newpass2026"})
    assert response.status_code == 204, response.text
    assert response.content == b""

    # every session is gone: both access tokens and both refresh tokens
    for access in (account.access_token, second["access_token"]):
        me = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {access}"})
        assert me.status_code == 401
    for refresh in (account.refresh_token, second["refresh_token"]):
        assert (await api.post("/v1/auth/refresh", json={"refresh_token": refresh})).status_code == 401
    old = await api.post("/v1/auth/login", json={"login": account.username, "password": account.password})
    assert old.status_code == 401
    tokens = await login(api, account.username, "newpass2026")
    me = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    # the mail proved the address: the account is activated too
    assert me.json()["is_active"] is True

    reuse = await api.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "other2026x"})
    assert_bad_token(reuse)


async def test_confirm_retires_other_outstanding_reset_tokens(api: httpx.AsyncClient) -> None:
    account = await create_account(api, "switch", email="switch@example.com")
    tokens = OneTimeTokens()
    first = await tokens.issue(account.id, "password_reset", timedelta(hours=1))
    second = await tokens.issue(account.id, "password_reset", timedelta(hours=1))
    ok = await api.post("/v1/auth/password-reset/confirm", json={"token": second.token, "new_password": "newpass2026"})
    assert ok.status_code == 204
    stale = await api.post("/v1/auth/password-reset/confirm", json={"token": first.token, "new_password": "x2026abcd"})
    assert_bad_token(stale)


async def test_changing_the_email_retires_reset_tokens(api: httpx.AsyncClient) -> None:
    account = await create_account(api, "morpheus", email="morpheus@old.example.com")
    issued = await OneTimeTokens().issue(account.id, "password_reset", timedelta(hours=1))
    unchanged = await api.patch("/v1/users/me", json={"display_name": "Morpheus"}, headers=account.headers)
    assert unchanged.status_code == 200
    assert await OneTimeTokens().find_usable(issued.token, "password_reset") is not None
    moved = await api.patch("/v1/users/me", json={"email": "morpheus@new.example.com"}, headers=account.headers)
    assert moved.status_code == 200
    response = await api.post(
        "/v1/auth/password-reset/confirm", json={"token": issued.token, "new_password": "zion2026x"}
    )
    assert_bad_token(response)


async def test_unknown_expired_and_activation_tokens_are_422(api: httpx.AsyncClient) -> None:
    account = await create_account(api, "apoc", email="apoc@example.com")
    tokens = OneTimeTokens()
    expired = await tokens.issue(account.id, "password_reset", timedelta(seconds=-1))
    activation = await tokens.issue(account.id, "activation", timedelta(hours=1))
    for token in ("no-such-token", expired.token, activation.token):
        response = await api.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "valid2026"})
        assert_bad_token(response)
    assert (await api.get("/v1/users/me", headers=account.headers)).status_code == 200


@pytest.mark.parametrize(
    ("new_password", "reason"),
    [("short1", "too short"), ("lettersonly", "no digit"), ("12345678", "no letter"), ("x" * 128 + "1", "too long")],
)
async def test_confirm_applies_the_password_policy(api: httpx.AsyncClient, new_password: str, reason: str) -> None:
    account = await create_account(api, "dozer", email="dozer@example.com")
    issued = await OneTimeTokens().issue(account.id, "password_reset", timedelta(hours=1))
    response = await api.post(
        "/v1/auth/password-reset/confirm", json={"token": issued.token, "new_password": new_password}
    )
    assert response.status_code == 422, reason
    assert [f["field"] for f in error_of(response)["details"]["fields"]] == ["new_password"], reason
    # a refused password does not use the token up
    ok = await api.post("/v1/auth/password-reset/confirm", json={"token": issued.token, "new_password": "dozer2026x"})
    assert ok.status_code == 204


async def test_confirm_refuses_the_username_as_password(api: httpx.AsyncClient) -> None:
    account = await create_account(api, "tank2026")
    issued = await OneTimeTokens().issue(account.id, "password_reset", timedelta(hours=1))
    response = await api.post(
        "/v1/auth/password-reset/confirm", json={"token": issued.token, "new_password": "TANK2026"}
    )
    assert response.status_code == 422
    assert [f["field"] for f in error_of(response)["details"]["fields"]] == ["new_password"]
    assert (await api.get("/v1/users/me", headers=account.headers)).status_code == 200


async def test_concurrent_confirms_with_one_token_succeed_once(api: httpx.AsyncClient) -> None:
    account = await create_account(api, "mouse", email="mouse@example.com")
    issued = await OneTimeTokens().issue(account.id, "password_reset", timedelta(hours=1))
    responses = await asyncio.gather(
        *(
            api.post("/v1/auth/password-reset/confirm", json={"token": issued.token, "new_password": f"pass{i}word"})
            for i in range(5)
        )
    )
    assert sorted(r.status_code for r in responses) == [204] + [422] * 4


async def test_reset_requests_are_throttled_per_account(api: httpx.AsyncClient) -> None:
    account = await create_account(api, "niobe", email="niobe@example.com")
    service = build_account_service()
    for _ in range(5):
        await service.send_password_reset("niobe@example.com")
    assert await OneTimeToken.find({"user_id": account.id, "purpose": "password_reset"}).count() == 3
    await service.send_password_reset("ghost@example.com")
    assert await OutboundMail.find({"subject": PASSWORD_RESET_SUBJECT}).count() == 3


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/auth/password-reset", {"email": {"$ne": None}}, "email"),
        ("/v1/auth/password-reset", {"email": "not-an-email"}, "email"),
        ("/v1/auth/password-reset", {}, "email"),
        ("/v1/auth/password-reset", {"email": "a@example.com", "username": "x"}, "username"),
        ("/v1/auth/password-reset/confirm", {"token": {"$ne": None}, "new_password": "valid2026"}, "token"),
        ("/v1/auth/password-reset/confirm", {"token": "abc", "new_password": {"$ne": None}}, "new_password"),
        ("/v1/auth/password-reset/confirm", {"token": "abc"}, "new_password"),
    ],
)
async def test_reset_bodies_are_validated(
    api: httpx.AsyncClient, path: str, body: dict[str, object], field: str
) -> None:
    response = await api.post(path, json=body)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [item["field"] for item in error["details"]["fields"]]


@pytest.mark.worker
async def test_real_worker_mails_the_reset_token(
    api: httpx.AsyncClient, mailbox: Mailbox, worker: WorkerProcess
) -> None:
    """The API only enqueues; the worker looks the address up, issues the token and mails it."""
    account = await create_account(api, "oracle", email="oracle@example.com")
    response = await api.post("/v1/auth/password-reset", json={"email": "oracle@example.com"})
    assert response.status_code == 202
    token = await mailbox.token("oracle@example.com", PASSWORD_RESET_SUBJECT, deliver=False)
    confirm = await api.post("/v1/auth/password-reset/confirm", json={"token": token, "new_password": "cookies2026"})
    assert confirm.status_code == 204
    assert (await api.get("/v1/users/me", headers=account.headers)).status_code == 401
    await login(api, "oracle", "cookies2026")
