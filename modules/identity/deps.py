"""Dependency providers (and builders, for tasks and CLI) of identity's services."""

from __future__ import annotations

from app.kernel import runtime
from app.kernel.mail import build_mailer
from modules.identity.dispatch import enqueue_task
from modules.identity.services import AccountService, AuthService, AuthState, MailOutbox, OneTimeTokens, UserService
from modules.identity.tokens import TokenCodec


def build_user_service() -> UserService:
    return UserService(runtime.current().settings)


def build_auth_service() -> AuthService:
    rt = runtime.current()
    return AuthService(UserService(rt.settings), TokenCodec.from_settings(rt.settings), AuthState(rt.redis))


def build_mail_outbox() -> MailOutbox:
    return MailOutbox(build_mailer(runtime.current().settings), enqueue_task)


def build_account_service() -> AccountService:
    rt = runtime.current()
    users = UserService(rt.settings)
    state = AuthState(rt.redis)
    auth = AuthService(users, TokenCodec.from_settings(rt.settings), state)
    return AccountService(users, auth, state, OneTimeTokens(), build_mail_outbox(), enqueue_task)


async def provide_user_service() -> UserService:
    return build_user_service()


async def provide_auth_service() -> AuthService:
    return build_auth_service()


async def provide_account_service() -> AccountService:
    return build_account_service()
