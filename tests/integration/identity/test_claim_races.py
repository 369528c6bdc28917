"""Concurrent claims of one refresh token, one outbox message and one due message: one wins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx

from modules.identity.documents import OutboundMail
from modules.identity.services import MailOutbox
from modules.identity.services._mail import CLAIM_TIMEOUT
from tests.integration.accounts import Account
from tests.integration.identity.conftest import Mailbox
from tests.integration.identity.test_mail_outbox import ScriptedMailer, _never_enqueued, _queue


async def test_concurrent_refreshes_with_one_token_rotate_once(api: httpx.AsyncClient, member: Account) -> None:
    responses = await asyncio.gather(
        *(api.post("/v1/auth/refresh", json={"refresh_token": member.refresh_token}) for _ in range(6))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [401] * 5
    # every loser presented a superseded token: reuse detection ended the whole family
    winner = next(response.json() for response in responses if response.status_code == 200)
    assert (await api.post("/v1/auth/refresh", json={"refresh_token": winner["refresh_token"]})).status_code == 401


async def test_concurrent_deliveries_send_a_message_once(api: httpx.AsyncClient, mailbox: Mailbox) -> None:
    outbox = MailOutbox(ScriptedMailer(), _never_enqueued)
    mail_id = await _queue(outbox, "race@example.com")
    results = await asyncio.gather(*(outbox.deliver(mail_id) for _ in range(5)))
    assert sorted(results) == ["sent"] + ["skipped"] * 4
    assert len(mailbox.messages("race@example.com")) == 1
    mail = await OutboundMail.get(mail_id)
    assert mail is not None
    assert (mail.status, mail.attempts) == ("sent", 1)


async def test_sweeps_take_a_stalled_claim_back_once(api: httpx.AsyncClient) -> None:
    enqueued: list[str] = []

    async def record(name: str, args: tuple[str, ...]) -> bool:
        enqueued.extend(args)
        return True

    outbox = MailOutbox(ScriptedMailer(), record)
    stalled_id = await _queue(outbox, "stalled@example.com")
    fresh_id = await _queue(outbox, "claimed@example.com")
    collection = OutboundMail.get_pymongo_collection()
    now = datetime.now(UTC)
    for mail_id, claimed_at in ((stalled_id, now - CLAIM_TIMEOUT * 2), (fresh_id, now)):
        mail = await OutboundMail.get(mail_id)
        assert mail is not None
        await collection.update_one({"_id": mail.id}, {"$set": {"status": "sending", "claimed_at": claimed_at}})
    enqueued.clear()
    counts = await asyncio.gather(*(outbox.dispatch_due() for _ in range(4)))
    assert sum(counts) == 1
    assert enqueued == [stalled_id]
    stalled = await OutboundMail.get(stalled_id)
    assert stalled is not None
    assert stalled.status == "pending"
    # a claim younger than the timeout stays with its worker
    claimed = await OutboundMail.get(fresh_id)
    assert claimed is not None
    assert claimed.status == "sending"
