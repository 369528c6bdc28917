"""Account flows that mail a one-time token: activation and password reset; password change.

Activation and reset tokens are single-use, hashed at rest and expire (48 h / 1 h). A bad token
(unknown, expired, already used) is a 422 on the ``token`` field for both flows.
"""

from __future__ import annotations

import structlog

from app.kernel.errors import ValidationFailed
from modules.identity.documents import User
from modules.identity.errors import InvalidOneTimeToken, UserNotFound, WrongCurrentPassword
from modules.identity.mails import activation_mail, password_reset_mail
from modules.identity.passwords import hash_password, verify_password
from modules.identity.schemas import RegisterRequest, ensure_not_username
from modules.identity.services._auth import AuthService
from modules.identity.services._auth_state import AuthState
from modules.identity.services._mail import Enqueue, MailOutbox
from modules.identity.services._one_time_tokens import ACTIVATION_TTL, PASSWORD_RESET_TTL, OneTimeTokens
from modules.identity.services._users import UserService

log = structlog.get_logger("marquee.identity.accounts")

SEND_PASSWORD_RESET_TASK = "identity.send_password_reset"  # noqa: S105 - a task name
# With this many unused reset tokens outstanding, a new request mails nothing (no mailbox flooding).
MAX_OUTSTANDING_RESETS = 3


class AccountService:
    def __init__(
        self,
        users: UserService,
        auth: AuthService,
        state: AuthState,
        tokens: OneTimeTokens,
        outbox: MailOutbox,
        enqueue: Enqueue,
    ) -> None:
        self._users = users
        self._auth = auth
        self._state = state
        self._tokens = tokens
        self._outbox = outbox
        self._enqueue = enqueue

    async def register(self, request: RegisterRequest) -> User:
        """Create the account and mail its activation token (accounts without email get none)."""
        user = await self._users.register(request)
        if user.email is not None:
            issued = await self._tokens.issue(str(user.id), "activation", ACTIVATION_TTL)
            await self._outbox.queue(activation_mail(user, issued.token, issued.expires_at), issued.expires_at)
        return user

    async def activate(self, token: str) -> User:
        record = await self._tokens.consume(token, "activation")
        if record is None:
            raise InvalidOneTimeToken()
        try:
            user = await self._users.activate(record.user_id)
        except UserNotFound:
            raise InvalidOneTimeToken() from None
        await self._tokens.retire(record.user_id, "activation")
        await self._state.forget_user(record.user_id)
        log.info("account_activated", user_id=record.user_id)
        return user

    async def update_profile(self, user_id: str, changes: dict[str, object]) -> User:
        """Change profile fields; a new email address retires reset tokens mailed to the old one."""
        user = await self._users.update_profile(user_id, changes)
        if "email" in changes:
            await self._tokens.retire(user_id, "password_reset")
        return user

    async def set_roles(self, user_id: str, roles: list[str]) -> User:
        """Replace the roles; the cached identity is dropped so the next request sees them."""
        user = await self._users.set_roles(user_id, roles)
        await self._state.forget_user(str(user.id))
        log.info("roles_changed", user_id=str(user.id), roles=user.roles)
        return user

    async def request_password_reset(self, email: str) -> None:
        """Hand the request to a worker, so the answer costs the same whether the account exists.

        If the queue is down the request is handled here instead (its mail waits in the outbox).
        """
        if not await self._enqueue(SEND_PASSWORD_RESET_TASK, (email,)):
            await self.send_password_reset(email)

    async def send_password_reset(self, email: str) -> None:
        """Mail a reset token to the account with this email, if there is one."""
        user = await self._users.find_by_email(email)
        if user is None or user.email is None:
            log.info("password_reset_for_unknown_email")
            return
        user_id = str(user.id)
        if await self._tokens.outstanding(user_id, "password_reset") >= MAX_OUTSTANDING_RESETS:
            log.warning("password_reset_throttled", user_id=user_id)
            return
        issued = await self._tokens.issue(user_id, "password_reset", PASSWORD_RESET_TTL)
        await self._outbox.queue(password_reset_mail(user, issued.token, issued.expires_at), issued.expires_at)
        log.info("password_reset_mailed", user_id=user_id)

    async def confirm_password_reset(self, token: str, new_password: str) -> None:
        """Set the new password and end every session of the account.

        The reset mail proved control of the account's address, so this also activates it.
        """
        record = await self._tokens.find_usable(token, "password_reset")
        user = await self._users.find(record.user_id) if record is not None else None
        if record is None or user is None:
            raise InvalidOneTimeToken()
        ensure_not_username(new_password, user.username)
        password_hash = await hash_password(new_password)
        if await self._tokens.consume(token, "password_reset") is None:
            raise InvalidOneTimeToken()
        await self._users.set_password(record.user_id, password_hash, activate=True)
        await self._tokens.retire(record.user_id, "password_reset")
        await self._auth.revoke_sessions(record.user_id, None, reason="password_reset")
        await self._state.forget_user(record.user_id)
        log.info("password_reset_completed", user_id=record.user_id)

    async def change_password(self, user_id: str, session_id: str, current_password: str, new_password: str) -> None:
        """Change the password knowing the current one; every other session of the user ends."""
        user = await self._users.get(user_id)
        ensure_not_username(new_password, user.username)
        if new_password == current_password:
            raise ValidationFailed.field("new_password", "must differ from the current password")
        if not await verify_password(user.password_hash, current_password):
            raise WrongCurrentPassword()
        await self._users.set_password(user_id, await hash_password(new_password))
        await self._tokens.retire(user_id, "password_reset")
        await self._auth.revoke_sessions(user_id, None, reason="password_changed", keep=session_id)
        log.info("password_changed", user_id=user_id)
