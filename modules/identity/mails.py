"""The text of identity's mails: activation and password reset, each carrying a one-time token."""

from __future__ import annotations

from datetime import datetime

from app.kernel.mail import MailMessage
from modules.identity.documents import User

ACTIVATION_SUBJECT = "Activate your Marquee account"
PASSWORD_RESET_SUBJECT = "Reset your Marquee password"  # noqa: S105 - a mail subject


def _greeting(user: User) -> str:
    return f"Hello {user.display_name or user.username},"


def _expiry(expires_at: datetime) -> str:
    return expires_at.strftime("%Y-%m-%d %H:%M UTC")


def activation_mail(user: User, token: str, expires_at: datetime) -> MailMessage:
    assert user.email is not None
    text = "\n".join(
        [
            _greeting(user),
            "",
            "welcome to Marquee. Activate your account by sending this token to",
            'POST /v1/auth/activate as {"token": "..."}:',
            "",
            f"Token: {token}",
            "",
            f"The token works once and expires at {_expiry(expires_at)}.",
            "If you did not create this account, ignore this message.",
            "",
        ]
    )
    return MailMessage(to=user.email, subject=ACTIVATION_SUBJECT, text=text)


def password_reset_mail(user: User, token: str, expires_at: datetime) -> MailMessage:
    assert user.email is not None
    text = "\n".join(
        [
            _greeting(user),
            "",
            "someone asked to reset the password of your Marquee account. To choose",
            "a new one, send this token with your new password to",
            "POST /v1/auth/password-reset/confirm as",
            '{"token": "...", "new_password": "..."}:',
            "",
            f"Token: {token}",
            "",
            f"The token works once and expires at {_expiry(expires_at)}.",
            "Using it signs you out on every device.",
            "If you did not ask for this, ignore this message: your password stays.",
            "",
        ]
    )
    return MailMessage(to=user.email, subject=PASSWORD_RESET_SUBJECT, text=text)
