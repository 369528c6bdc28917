"""Activation: the registration mail carries a single-use, expiring token; POST /v1/auth/activate."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from app.kernel import runtime
from modules.identity.documents import OneTimeToken, OutboundMail
from modules.identity.mails import ACTIVATION_SUBJECT
from modules.identity.services import OneTimeTokens, hash_token
from tests.integration.accounts import create_account
from tests.integration.identity.conftest import Mailbox
from tests.support import WorkerProcess, error_of


def assert_bad_token(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert [item["field"] for item in error["details"]["fields"]] == ["token"]


async def test_registration_mails_a_token_that_activates_once(api: httpx.AsyncClient, mailbox: Mailbox) -> None:
    account = await create_account(api, "keanu", email="keanu@example.com")
    token = await mailbox.token("keanu@example.com", ACTIVATION_SUBJECT)

    # hashed at rest: the raw token is nowhere in the database
    stored = await OneTimeToken.find_one({"user_id": account.id})
    assert stored is not None
    assert stored.purpose == "activation"
    assert stored.token_hash == hash_token(token) != token
    assert await OneTimeToken.find_one({"token_hash": token}) is None
    # the outbox keeps no copy of the text once the mail is sent
    mail = await OutboundMail.find_one({"to": "keanu@example.com"})
    assert mail is not None
    assert mail.status == "sent"
    assert mail.text is None

    response = await api.post("/v1/auth/activate", json={"token": token})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == account.id
    assert response.json()["is_active"] is True
    assert response.headers["Cache-Control"] == "no-store"
    me = await api.get("/v1/users/me", headers=account.headers)
    assert me.json()["is_active"] is True

    assert_bad_token(await api.post("/v1/auth/activate", json={"token": token}))


async def test_unknown_expired_and_wrong_purpose_tokens_are_422(api: httpx.AsyncClient) -> None:
    account = await create_account(api, "carrie", email="carrie@example.com")
    tokens = OneTimeTokens()
    expired = await tokens.issue(account.id, "activation", timedelta(seconds=-1))
    reset = await tokens.issue(account.id, "password_reset", timedelta(hours=1))
    for token in ("not-a-real-token", expired.token, reset.token):
        assert_bad_token(await api.post("/v1/auth/activate", json={"token": token}))
    me = await api.get("/v1/users/me", headers=account.headers)
    assert me.json()["is_active"] is False


@pytest.mark.parametrize(
    "body",
    [{}, {"token": ""}, {"token": {"$ne": None}}, {"token": ["x"]}, {"token": "x" * 4097}, {"token": "x", "extra": 1}],
)
async def test_activate_body_validation(api: httpx.AsyncClient, body: dict[str, object]) -> None:
    response = await api.post("/v1/auth/activate", json=body)
    assert response.status_code == 422
    assert error_of(response)["code"] == "VALIDATION_ERROR"


async def test_activate_is_public_and_rejects_non_json(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/auth/activate", content="token=x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    malformed = await api.post("/v1/auth/activate", content="{", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert error_of(malformed)["code"] == "BAD_REQUEST"


async def test_account_without_email_gets_no_mail(api: httpx.AsyncClient, mailbox: Mailbox) -> None:
    account = await create_account(api, "nomail")
    assert await OneTimeToken.find({"user_id": account.id}).count() == 0
    assert await OutboundMail.find_all().count() == 0


async def test_concurrent_activations_with_one_token_succeed_once(api: httpx.AsyncClient) -> None:
    import asyncio

    account = await create_account(api, "laurence")
    issued = await OneTimeTokens().issue(account.id, "activation", timedelta(hours=1))
    responses = await asyncio.gather(*(api.post("/v1/auth/activate", json={"token": issued.token}) for _ in range(10)))
    assert sorted(r.status_code for r in responses) == [200] + [422] * 9


@pytest.mark.worker
async def test_real_worker_delivers_the_activation_mail(
    api: httpx.AsyncClient, mailbox: Mailbox, worker: WorkerProcess
) -> None:
    """Round trip: API -> Redis broker -> Celery worker -> file outbox -> activation."""
    account = await create_account(api, "hugo", email="hugo@example.com")
    message = await mailbox.receive("hugo@example.com", ACTIVATION_SUBJECT, deliver=False)
    assert message["From"] == runtime.current().settings.mail_from
    from tests.integration.identity.conftest import token_in

    response = await api.post("/v1/auth/activate", json={"token": token_in(message)})
    assert response.status_code == 200
    assert response.json()["id"] == account.id
    mail = await OutboundMail.find_one({"to": "hugo@example.com"})
    assert mail is not None
    assert mail.status == "sent"
    assert mail.attempts == 1
