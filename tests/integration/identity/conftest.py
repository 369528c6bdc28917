"""Identity test fixtures: the file-backend mail outbox, read the way a user reads their mail."""

from __future__ import annotations

import asyncio
import re
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from app.kernel import runtime
from modules.identity.deps import build_mail_outbox
from modules.identity.documents import OutboundMail

TOKEN_LINE = re.compile(r"^Token: (\S+)$", re.MULTILINE)


class Mailbox:
    """The ``$MARQUEE_DATA_DIR/outbox`` directory the ``file`` mail backend writes to."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def clear(self) -> None:
        for path in self.directory.glob("*.eml"):
            path.unlink(missing_ok=True)

    def messages(self, to: str) -> list[EmailMessage]:
        found = []
        for path in sorted(self.directory.glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            if message["To"] == to:
                found.append(message)
        return found

    async def receive(self, to: str, subject: str, *, deliver: bool = True, timeout: float = 60) -> EmailMessage:
        """The first message to ``to`` with ``subject``.

        With ``deliver`` the test delivers pending outbox messages itself (as the worker would);
        without it, it waits for a real worker to do so.
        """
        deadline = time.monotonic() + timeout
        while True:
            if deliver:
                await deliver_pending()
            for message in self.messages(to):
                if message["Subject"] == subject:
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail {subject!r} to {to} in {self.directory}")
            await asyncio.sleep(0.1)

    async def token(self, to: str, subject: str, *, deliver: bool = True) -> str:
        return token_in(await self.receive(to, subject, deliver=deliver))


def token_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    match = TOKEN_LINE.search(body.get_content())
    assert match, body.get_content()
    return match.group(1)


async def deliver_pending() -> None:
    outbox = build_mail_outbox()
    async for mail in OutboundMail.find({"status": "pending"}):
        await outbox.deliver(str(mail.id))


@pytest.fixture
def mailbox(api: object) -> Mailbox:
    box = Mailbox(runtime.current().settings.data_dir / "outbox")
    box.directory.mkdir(parents=True, exist_ok=True)
    box.clear()
    return box
