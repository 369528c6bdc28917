"""The kernel's mailers (console, file, smtp) as identity uses them, against real files and a real
SMTP server (a small one started by the test)."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import socket
import ssl
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.kernel.logging import configure_logging
from app.kernel.mail import (
    ConsoleMailer,
    FileMailer,
    MailMessage,
    PermanentMailError,
    SmtpMailer,
    TransientMailError,
    build_mailer,
)
from app.kernel.settings import Settings
from tests.unit.identity.smtp_sink import SmtpSink

SENDER = "Marquee <no-reply@marquee.local>"
MESSAGE = MailMessage("neo@example.com", "Activate your Marquee account", "Hello,\n\nToken: s3cr3t-t0ken\n")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def parsed(data: bytes) -> tuple[dict[str, str], str]:
    message = message_from_bytes(data, policy=policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return {key: str(value) for key, value in message.items()}, body.get_content()


def test_file_mailer_writes_one_complete_eml_per_message(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    mailer = FileMailer(SENDER, outbox)
    mailer.send(MESSAGE)
    mailer.send(MailMessage("trinity@example.com", "Second", "Token: other\n"))
    files = sorted(outbox.iterdir())
    assert [path.suffix for path in files] == [".eml", ".eml"]  # no temporary files left behind
    headers, body = parsed(files[0].read_bytes())
    assert headers["To"] == "neo@example.com"
    assert headers["From"] == SENDER
    assert headers["Subject"] == "Activate your Marquee account"
    assert headers["Message-ID"]
    assert headers["Date"]
    assert "Token: s3cr3t-t0ken" in body
    assert parsed(files[1].read_bytes())[0]["To"] == "trinity@example.com"


def test_file_mailer_failure_is_transient_and_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the directory should be")
    with pytest.raises(TransientMailError):
        FileMailer(SENDER, blocker).send(MESSAGE)
    assert [path.name for path in tmp_path.iterdir()] == ["outbox"]


def test_console_mailer_logs_the_body_only_outside_production(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("INFO", "console")
    try:
        ConsoleMailer(SENDER, show_body=True).send(MESSAGE)
        ConsoleMailer(SENDER, show_body=False).send(MESSAGE)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    lines = [line for line in capsys.readouterr().err.splitlines() if "mail_sent_to_console" in line]
    assert len(lines) == 2
    development, production = lines
    assert "to=neo@example.com" in development
    assert "to=neo@example.com" in production
    assert "s3cr3t-t0ken" in development
    assert "s3cr3t-t0ken" not in production


def test_smtp_mailer_delivers_in_clear_text_without_tls() -> None:
    with SmtpSink() as sink:
        SmtpMailer(SENDER, "127.0.0.1", sink.port).send(MESSAGE)
    [received] = sink.messages
    assert received.recipients == ["<neo@example.com>"]
    assert received.mail_from == "<no-reply@marquee.local>"
    assert received.tls is False
    headers, body = parsed(received.data)
    assert headers["Subject"] == "Activate your Marquee account"
    assert "Token: s3cr3t-t0ken" in body


def test_smtp_mailer_upgrades_with_starttls_and_logs_in(certificate: tuple[Path, Path]) -> None:
    with SmtpSink(tls_context=server_context(certificate), credentials=("mailer", "pa55word")) as sink:
        SmtpMailer(
            SENDER,
            "127.0.0.1",
            sink.port,
            username="mailer",
            password="pa55word",
            use_tls=True,
            ssl_context=client_context(certificate),
        ).send(MESSAGE)
    [received] = sink.messages
    assert received.tls is True
    assert received.user == "mailer"


def test_smtp_mailer_speaks_implicit_tls_on_port_465(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with SmtpSink(tls_context=server_context(certificate), implicit_tls=True) as sink:
        monkeypatch.setattr("app.kernel.mail.IMPLICIT_TLS_PORT", sink.port)
        SmtpMailer(SENDER, "127.0.0.1", sink.port, use_tls=True, ssl_context=client_context(certificate)).send(MESSAGE)
    [received] = sink.messages
    assert received.tls is True


def test_smtp_mailer_refuses_a_server_without_starttls() -> None:
    with SmtpSink() as sink, pytest.raises(PermanentMailError):
        SmtpMailer(SENDER, "127.0.0.1", sink.port, use_tls=True).send(MESSAGE)
    assert sink.messages == []


def test_smtp_mailer_rejects_an_untrusted_certificate(certificate: tuple[Path, Path]) -> None:
    with SmtpSink(tls_context=server_context(certificate)) as sink, pytest.raises(TransientMailError):
        SmtpMailer(SENDER, "127.0.0.1", sink.port, use_tls=True).send(MESSAGE)
    assert sink.messages == []


def test_smtp_wrong_password_is_permanent() -> None:
    with SmtpSink(credentials=("mailer", "pa55word")) as sink, pytest.raises(PermanentMailError):
        SmtpMailer(SENDER, "127.0.0.1", sink.port, username="mailer", password="wrong").send(MESSAGE)
    assert sink.messages == []


@pytest.mark.parametrize(
    ("reply", "error"),
    [("451 mailbox busy", TransientMailError), ("550 no such user", PermanentMailError)],
)
def test_smtp_refused_recipients_are_classified(reply: str, error: type[Exception]) -> None:
    with SmtpSink(rcpt_reply=reply) as sink, pytest.raises(error):
        SmtpMailer(SENDER, "127.0.0.1", sink.port).send(MESSAGE)
    assert sink.messages == []


def test_smtp_server_down_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransientMailError):
        SmtpMailer(SENDER, "127.0.0.1", port, timeout=5).send(MESSAGE)


def test_build_mailer_follows_mail_backend(tmp_path: Path) -> None:
    base = {"_env_file": None, "marquee_data_dir": tmp_path, "mail_from": SENDER}
    file_mailer = build_mailer(Settings(**base, mail_backend="file"))  # type: ignore[arg-type]
    assert isinstance(file_mailer, FileMailer)
    assert file_mailer.directory == tmp_path.resolve() / "outbox"
    smtp = build_mailer(Settings(**base, mail_backend="smtp", smtp_host="mail.example", smtp_port=2525))  # type: ignore[arg-type]
    assert isinstance(smtp, SmtpMailer)
    assert (smtp.host, smtp.port) == ("mail.example", 2525)
    console = build_mailer(Settings(**base, mail_backend="console"))  # type: ignore[arg-type]
    assert isinstance(console, ConsoleMailer)
    assert console.sender == SENDER
