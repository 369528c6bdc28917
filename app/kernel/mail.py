"""Outgoing mail: one ``Mailer`` interface, three backends chosen by ``MAIL_BACKEND``.

- ``console``: one structlog line per message (recipient, subject, id). Outside production the
  line also carries the body, so a developer can read activation and reset tokens in the log;
  in production the body (which holds one-time tokens) is never logged.
- ``file``: one RFC 5322 ``.eml`` file per message in ``$MARQUEE_DATA_DIR/outbox/``, written
  atomically (temporary file, fsync, rename), so a reader never sees half a message.
- ``smtp``: ``smtplib`` against ``SMTP_HOST:SMTP_PORT``; with ``SMTP_USE_TLS`` the connection is
  TLS from the start on port 465 and upgraded with STARTTLS otherwise (a server that does not
  offer STARTTLS is refused, never silently used in clear text); ``SMTP_USERNAME`` /
  ``SMTP_PASSWORD`` log in.

Sending is synchronous (callers in async code run it in a thread). Failures are classified:
``TransientMailError`` (worth retrying: connection trouble, 4xx replies) or
``PermanentMailError`` (5xx replies, refused recipients, bad configuration).
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import structlog

from app.kernel.settings import Settings

log = structlog.get_logger("marquee.mail")

SMTP_TIMEOUT_SECONDS = 30
IMPLICIT_TLS_PORT = 465


class MailError(Exception):
    """A message could not be delivered."""


class TransientMailError(MailError):
    """Delivery may succeed later (connection trouble, a 4xx reply): retry."""


class PermanentMailError(MailError):
    """Delivery will not succeed by retrying (a 5xx reply, a refused recipient, bad setup)."""


@dataclass(frozen=True, slots=True)
class MailMessage:
    to: str
    subject: str
    text: str


def build_email(message: MailMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = make_msgid(domain="marquee.local")
    email.set_content(message.text)
    return email


class Mailer(ABC):
    def __init__(self, sender: str) -> None:
        self.sender = sender

    @abstractmethod
    def send(self, message: MailMessage) -> None:
        """Deliver one message or raise ``TransientMailError`` / ``PermanentMailError``."""


class ConsoleMailer(Mailer):
    def __init__(self, sender: str, *, show_body: bool) -> None:
        super().__init__(sender)
        self._show_body = show_body

    def send(self, message: MailMessage) -> None:
        email = build_email(message, self.sender)
        fields: dict[str, str] = {"to": message.to, "subject": message.subject, "message_id": str(email["Message-ID"])}
        if self._show_body:
            fields["body"] = message.text
        log.info("mail_sent_to_console", **fields)


class FileMailer(Mailer):
    def __init__(self, sender: str, directory: Path) -> None:
        super().__init__(sender)
        self.directory = directory

    def send(self, message: MailMessage) -> None:
        data = bytes(build_email(message, self.sender))
        name = f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, self.directory / name)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise TransientMailError(f"could not write {name}: {exc.strerror or exc}") from exc
        log.info("mail_written_to_outbox", to=message.to, subject=message.subject, file=name)


class SmtpMailer(Mailer):
    def __init__(
        self,
        sender: str,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        use_tls: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = SMTP_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(sender)
        self.host, self.port = host, port
        self._username, self._password = username, password
        self._use_tls = use_tls
        self._ssl_context = ssl_context
        self._timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        context = self._ssl_context or ssl.create_default_context()
        if self._use_tls and self.port == IMPLICIT_TLS_PORT:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self._timeout, context=context)
        client = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        if self._use_tls:
            client.ehlo()
            client.starttls(context=context)
        return client

    def send(self, message: MailMessage) -> None:
        email = build_email(message, self.sender)
        try:
            client = self._connect()
            try:
                client.ehlo()
                if self._username:
                    client.login(self._username, self._password or "")
                client.send_message(email)
            finally:
                try:
                    client.quit()
                except (smtplib.SMTPException, OSError):
                    client.close()
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentMailError(f"the SMTP server does not support a required feature: {exc}") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentMailError(f"SMTP login refused ({exc.smtp_code})") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = TransientMailError if codes and all(400 <= c < 500 for c in codes) else PermanentMailError
            raise error(f"recipient refused ({', '.join(map(str, codes))})") from exc
        except smtplib.SMTPResponseException as exc:
            error = TransientMailError if 400 <= exc.smtp_code < 500 else PermanentMailError
            raise error(f"SMTP server answered {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientMailError(f"SMTP delivery failed: {type(exc).__name__}") from exc
        log.info("mail_sent_by_smtp", to=message.to, subject=message.subject, host=self.host)


def build_mailer(settings: Settings) -> Mailer:
    """The backend ``MAIL_BACKEND`` names, configured from the settings."""
    if settings.mail_backend == "file":
        return FileMailer(settings.mail_from, settings.data_dir / "outbox")
    if settings.mail_backend == "smtp":
        return SmtpMailer(
            settings.mail_from,
            settings.smtp_host,
            settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            use_tls=settings.smtp_use_tls,
        )
    return ConsoleMailer(settings.mail_from, show_body=not settings.is_production)
