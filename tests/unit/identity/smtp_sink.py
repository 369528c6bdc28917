"""A tiny real SMTP server for tests: EHLO, STARTTLS, AUTH PLAIN, MAIL/RCPT/DATA, scripted replies."""

from __future__ import annotations

import base64
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    data: bytes
    tls: bool
    user: str | None


@dataclass
class SinkConfig:
    credentials: tuple[str, str] | None = None
    tls_context: ssl.SSLContext | None = None
    implicit_tls: bool = False
    rcpt_reply: str = "250 OK"
    messages: list[Received] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def _wrap_tls(self) -> None:
        assert self.server.config.tls_context is not None
        self.connection = self.server.config.tls_context.wrap_socket(self.connection, server_side=True)
        self.rfile = self.connection.makefile("rb")
        self.wfile = self.connection.makefile("wb")

    def handle(self) -> None:
        config = self.server.config
        tls = False
        if config.implicit_tls:
            self._wrap_tls()
            tls = True
        user: str | None = None
        mail_from, recipients = "", list[str]()
        self._reply("220 sink ESMTP")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                features = ["sink"]
                if config.tls_context is not None and not tls:
                    features.append("STARTTLS")
                if config.credentials is not None:
                    features.append("AUTH PLAIN")
                for feature in features[:-1]:
                    self._reply(f"250-{feature}")
                self._reply(f"250 {features[-1]}")
            elif verb == "HELO":
                self._reply("250 sink")
            elif verb == "STARTTLS" and config.tls_context is not None and not tls:
                self._reply("220 ready for TLS")
                self._wrap_tls()
                tls = True
            elif verb == "AUTH" and config.credentials is not None:
                _, mechanism, payload = [*line.split(" ", 2), ""][:3]
                parts = base64.b64decode(payload).split(b"\0") if mechanism.upper() == "PLAIN" else []
                if len(parts) == 3 and (parts[1].decode(), parts[2].decode()) == config.credentials:
                    user = parts[1].decode()
                    self._reply("235 authenticated")
                else:
                    self._reply("535 authentication failed")
            elif verb == "MAIL":
                if config.credentials is not None and user is None:
                    self._reply("530 authentication required")
                    continue
                mail_from, recipients = line.split(":", 1)[1].strip(), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip())
                self._reply(config.rcpt_reply)
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    data_line = self.rfile.readline()
                    if data_line in (b".\r\n", b""):
                        break
                    lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                config.messages.append(Received(mail_from, recipients, b"".join(lines), tls, user))
                self._reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, config: SinkConfig) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.config = config


class SmtpSink:
    def __init__(self, **options: Any) -> None:
        self.config = SinkConfig(**options)
        self._server = _Server(self.config)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def messages(self) -> list[Received]:
        return self.config.messages

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
