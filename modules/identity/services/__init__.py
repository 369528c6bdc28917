"""Identity services (all database access and rules of accounts, tokens and sessions)."""

from modules.identity.services._auth import AuthService
from modules.identity.services._auth_state import AuthState, UserSnapshot
from modules.identity.services._users import UserService

__all__ = ["AuthService", "AuthState", "UserService", "UserSnapshot"]
