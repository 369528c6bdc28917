"""The mail outbox: a message is stored first, then handed to the ``identity.send_mail`` task.

Storing before enqueueing means a broker outage loses nothing: the message stays ``pending``
and the ``identity.dispatch_due_mail`` beat task enqueues it again once the broker is back.
Delivery claims the message atomically, so a message enqueued twice is sent once (a worker
that dies between sending and recording can still send it twice: at-least-once). The text,
which holds a one-time token, is dropped as soon as the message is sent, failed or expired.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Literal

import anyio.to_thread
import structlog

from app.kernel.documents import update_and_read, update_one_of
from app.kernel.mail import Mailer, MailMessage, PermanentMailError, TransientMailError
from modules.identity.documents import OutboundMail
from modules.identity.services._auth_state import object_id

log = structlog.get_logger("marquee.identity.mail")

SEND_MAIL_TASK = "identity.send_mail"
DISPATCH_DUE_MAIL_TASK = "identity.dispatch_due_mail"
# A queued send normally runs within seconds; only then does the sweep enqueue it again.
REDISPATCH_AFTER = timedelta(minutes=10)
# A claim older than this belongs to a worker that died while sending.
CLAIM_TIMEOUT = timedelta(minutes=15)
MAX_ATTEMPTS = 10
DISPATCH_BATCH = 100

Enqueue = Callable[[str, tuple[str, ...]], Awaitable[bool]]
DeliveryResult = Literal["sent", "skipped", "failed", "expired", "retry"]


class MailOutbox:
    def __init__(self, mailer: Mailer, enqueue: Enqueue) -> None:
        self._mailer = mailer
        self._enqueue = enqueue

    async def queue(self, message: MailMessage, expires_at: datetime) -> str:
        """Store the message and enqueue its delivery; a failed enqueue is retried by the sweep."""
        now = datetime.now(UTC)
        mail = OutboundMail(
            to=message.to,
            subject=message.subject,
            text=message.text,
            next_attempt_at=now + REDISPATCH_AFTER,
            expires_at=expires_at,
        )
        await mail.insert()
        mail_id = str(mail.id)
        if not await self._enqueue(SEND_MAIL_TASK, (mail_id,)):
            log.warning("mail_left_in_outbox", mail_id=mail_id)
            await OutboundMail.get_pymongo_collection().update_one(
                {"_id": mail.id, "status": "pending"}, {"$set": {"next_attempt_at": now}}
            )
        return mail_id

    async def deliver(self, mail_id: str) -> DeliveryResult:
        """Send one stored message through the mailer, once.

        Raises ``TransientMailError`` when a retry may succeed (the message is pending again).
        """
        oid = object_id(mail_id)
        if oid is None:
            return "skipped"
        collection = OutboundMail.get_pymongo_collection()
        now = datetime.now(UTC)
        raw = await update_and_read(
            collection,
            {"_id": oid},
            {"$set": {"status": "sending", "claimed_at": now}, "$inc": {"attempts": 1}},
            any_of=({"status": "pending"}, {"status": "sending", "claimed_at": {"$lt": now - CLAIM_TIMEOUT}}),
        )
        if raw is None:
            return "skipped"
        mail = OutboundMail.model_validate(raw)
        if mail.expires_at <= now or mail.text is None:
            await self._finish(mail, "expired")
            return "expired"
        try:
            await anyio.to_thread.run_sync(self._mailer.send, MailMessage(mail.to, mail.subject, mail.text))
        except PermanentMailError as exc:
            await self._finish(mail, "failed", str(exc))
            log.error("mail_failed", mail_id=mail_id, error=str(exc))
            return "failed"
        except TransientMailError as exc:
            if mail.attempts >= MAX_ATTEMPTS:
                await self._finish(mail, "failed", str(exc))
                log.error("mail_failed", mail_id=mail_id, error=str(exc), attempts=mail.attempts)
                return "failed"
            await collection.update_one(
                {"_id": oid, "status": "sending"},
                {
                    "$set": {
                        "status": "pending",
                        "last_error": str(exc),
                        "next_attempt_at": datetime.now(UTC) + REDISPATCH_AFTER,
                    }
                },
            )
            log.warning("mail_delivery_deferred", mail_id=mail_id, error=str(exc), attempts=mail.attempts)
            raise
        await self._finish(mail, "sent")
        return "sent"

    async def _finish(self, mail: OutboundMail, status: Literal["sent", "failed", "expired"], error: str = "") -> None:
        update: dict[str, object] = {"status": status}
        if status == "sent":
            update["sent_at"] = datetime.now(UTC)
        if error:
            update["last_error"] = error
        await OutboundMail.get_pymongo_collection().update_one({"_id": mail.id}, {"$set": {**update, "text": None}})

    async def dispatch_due(self, limit: int = DISPATCH_BATCH) -> int:
        """Enqueue messages whose send was never enqueued or has stalled; returns how many."""
        collection = OutboundMail.get_pymongo_collection()
        now = datetime.now(UTC)
        due = (
            {"status": "pending", "next_attempt_at": {"$lte": now}},
            {"status": "sending", "claimed_at": {"$lt": now - CLAIM_TIMEOUT}},
        )
        dispatched = 0
        # each condition is its own indexed query (an $or, like a findAndModify, makes the
        # embedded server scan the collection); a candidate is taken by an update_one on its _id
        # that re-checks the condition, so two sweeps never enqueue one message both
        for condition in due:
            if dispatched >= limit:
                break
            candidates = await collection.find(condition, {"_id": 1}).limit(limit - dispatched).to_list()
            for raw in candidates:
                taken = await update_one_of(
                    collection,
                    {"_id": raw["_id"]},
                    {"$set": {"status": "pending", "next_attempt_at": now + REDISPATCH_AFTER}},
                    where=condition,
                )
                if not taken:
                    continue
                if not await self._enqueue(SEND_MAIL_TASK, (str(raw["_id"]),)):
                    await collection.update_one({"_id": raw["_id"]}, {"$set": {"next_attempt_at": now}})
                    return dispatched
                dispatched += 1
        return dispatched
