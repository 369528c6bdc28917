"""The mail outbox: a queue outage never loses a registration or its mail; delivery happens once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.kernel import runtime
from app.kernel.mail import FileMailer, Mailer, MailMessage, PermanentMailError, TransientMailError
from modules.identity.deps import build_mail_outbox
from modules.identity.documents import OneTimeToken, OutboundMail, User
from modules.identity.mails import ACTIVATION_SUBJECT, PASSWORD_RESET_SUBJECT
from modules.identity.services import MailOutbox
from tests.integration.identity.conftest import Mailbox
from tests.support import WorkerProcess


@contextmanager
def queue_down() -> Iterator[None]:
    """The API's Celery app publishes to a port where nothing listens (a dead Redis)."""
    from workers.celery_app import create_celery

    rt = runtime.current()
    create_celery(rt.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    try:
        yield
    finally:
        create_celery(rt.settings.model_copy(update={"redis_url": rt.stack.redis_url}))


class ScriptedMailer(Mailer):
    """A transport that fails as scripted, then delivers to the real file outbox."""

    def __init__(self, *failures: Exception) -> None:
        super().__init__("Marquee <no-reply@marquee.local>")
        self._failures = list(failures)
        self._file = FileMailer(self.sender, runtime.current().settings.data_dir / "outbox")

    def send(self, message: MailMessage) -> None:
        if self._failures:
            raise self._failures.pop(0)
        self._file.send(message)


async def _never_enqueued(name: str, args: tuple[str, ...]) -> bool:
    return True


async def _queue(outbox: MailOutbox, to: str, expires_in: timedelta = timedelta(hours=1)) -> str:
    return await outbox.queue(MailMessage(to, "Hello", "Token: abc\n"), datetime.now(UTC) + expires_in)


@pytest.mark.worker
async def test_queue_outage_keeps_the_account_and_the_mail(
    api: httpx.AsyncClient, mailbox: Mailbox, worker: WorkerProcess
) -> None:
    with queue_down():
        register = await api.post(
            "/v1/auth/register", json={"username": "cypher", "password": "steak1999", "email": "cypher@example.com"}
        )
        reset = await api.post("/v1/auth/password-reset", json={"email": "cypher@example.com"})
    assert register.status_code == 201, register.text
    assert reset.status_code == 202
    user_id = register.json()["id"]
    assert await User.get(user_id) is not None
    # both mails wait in the outbox, due at once for the sweep; the tokens exist (hashed)
    pending = await OutboundMail.find({"to": "cypher@example.com"}).to_list()
    assert sorted(mail.subject for mail in pending) == sorted([ACTIVATION_SUBJECT, PASSWORD_RESET_SUBJECT])
    assert all(mail.status == "pending" and mail.next_attempt_at <= datetime.now(UTC) for mail in pending)
    assert await OneTimeToken.find({"user_id": user_id}).count() == 2

    # the broker is back: the beat sweep enqueues them, the real worker delivers them
    assert await build_mail_outbox().dispatch_due() == 2
    activation = await mailbox.token("cypher@example.com", ACTIVATION_SUBJECT, deliver=False)
    reset_token = await mailbox.token("cypher@example.com", PASSWORD_RESET_SUBJECT, deliver=False)
    assert (await api.post("/v1/auth/activate", json={"token": activation})).status_code == 200
    confirm = await api.post(
        "/v1/auth/password-reset/confirm", json={"token": reset_token, "new_password": "ignorance1"}
    )
    assert confirm.status_code == 204


async def test_registration_answers_while_the_queue_is_down(api: httpx.AsyncClient) -> None:
    with queue_down():
        response = await api.post(
            "/v1/auth/register", json={"username": "mouse", "password": "redress1", "email": "m@x.io"}
        )
    assert response.status_code == 201
    mail = await OutboundMail.find_one({"to": "m@x.io"})
    assert mail is not None
    assert mail.status == "pending"


async def test_a_message_is_delivered_once(api: httpx.AsyncClient, mailbox: Mailbox) -> None:
    outbox = MailOutbox(ScriptedMailer(), _never_enqueued)
    mail_id = await _queue(outbox, "once@example.com")
    assert await outbox.deliver(mail_id) == "sent"
    assert await outbox.deliver(mail_id) == "skipped"
    assert await outbox.deliver("not-an-id") == "skipped"
    assert len(mailbox.messages("once@example.com")) == 1
    mail = await OutboundMail.get(mail_id)
    assert mail is not None
    assert (mail.status, mail.text, mail.attempts) == ("sent", None, 1)
    assert mail.sent_at is not None


async def test_transient_failure_leaves_the_message_pending(api: httpx.AsyncClient, mailbox: Mailbox) -> None:
    outbox = MailOutbox(ScriptedMailer(TransientMailError("451 try later")), _never_enqueued)
    mail_id = await _queue(outbox, "later@example.com")
    with pytest.raises(TransientMailError):
        await outbox.deliver(mail_id)
    mail = await OutboundMail.get(mail_id)
    assert mail is not None
    assert (mail.status, mail.attempts, mail.last_error) == ("pending", 1, "451 try later")
    assert mail.text == "Token: abc\n"
    assert await outbox.deliver(mail_id) == "sent"
    assert len(mailbox.messages("later@example.com")) == 1


async def test_permanent_failure_and_expiry_drop_the_text(api: httpx.AsyncClient, mailbox: Mailbox) -> None:
    outbox = MailOutbox(ScriptedMailer(PermanentMailError("550 no such user")), _never_enqueued)
    failed_id = await _queue(outbox, "refused@example.com")
    assert await outbox.deliver(failed_id) == "failed"
    expired_id = await _queue(outbox, "late@example.com", timedelta(seconds=-1))
    assert await outbox.deliver(expired_id) == "expired"
    for mail_id, status in ((failed_id, "failed"), (expired_id, "expired")):
        mail = await OutboundMail.get(mail_id)
        assert mail is not None
        assert (mail.status, mail.text) == (status, None)
    assert mailbox.messages("refused@example.com") == mailbox.messages("late@example.com") == []


async def test_the_sweep_enqueues_only_due_messages(api: httpx.AsyncClient) -> None:
    enqueued: list[tuple[str, tuple[str, ...]]] = []

    async def record(name: str, args: tuple[str, ...]) -> bool:
        enqueued.append((name, args))
        return True

    async def refuse(name: str, args: tuple[str, ...]) -> bool:
        return False

    fresh = MailOutbox(ScriptedMailer(), record)
    fresh_id = await _queue(fresh, "fresh@example.com")  # enqueued at once, so not due for the sweep
    assert enqueued == [("identity.send_mail", (fresh_id,))]
    stuck_id = await _queue(MailOutbox(ScriptedMailer(), refuse), "stuck@example.com")
    enqueued.clear()
    assert await fresh.dispatch_due() == 1
    assert enqueued == [("identity.send_mail", (stuck_id,))]
    # not due again until the re-dispatch delay has passed
    assert await fresh.dispatch_due() == 0
