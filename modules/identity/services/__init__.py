"""Identity services (all database access and rules of accounts, tokens and sessions)."""

from modules.identity.services._accounts import SEND_PASSWORD_RESET_TASK, AccountService
from modules.identity.services._auth import AuthService
from modules.identity.services._auth_state import CACHED_COPIES, AuthState, UserSnapshot
from modules.identity.services._mail import DISPATCH_DUE_MAIL_TASK, SEND_MAIL_TASK, Enqueue, MailOutbox
from modules.identity.services._one_time_tokens import OneTimeTokens, hash_token
from modules.identity.services._rating_stats import iter_rated_user_ids, iter_stale_unrated_user_ids
from modules.identity.services._users import UserService

__all__ = [
    "CACHED_COPIES",
    "DISPATCH_DUE_MAIL_TASK",
    "SEND_MAIL_TASK",
    "SEND_PASSWORD_RESET_TASK",
    "AccountService",
    "AuthService",
    "AuthState",
    "Enqueue",
    "MailOutbox",
    "OneTimeTokens",
    "UserService",
    "UserSnapshot",
    "hash_token",
    "iter_rated_user_ids",
    "iter_stale_unrated_user_ids",
]
