"""The authenticated caller, as every module sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ADMIN_ROLE = "admin"
MEMBER_ROLE = "member"
ROLES = (MEMBER_ROLE, ADMIN_ROLE)
PERMISSIONS = ("movies:read", "movies:write")


@dataclass(frozen=True, slots=True)
class Principal:
    id: str
    username: str
    roles: tuple[str, ...]
    permissions: tuple[str, ...]
    is_active: bool
    session_id: str
    token_id: str
    token_expires_at: datetime

    @property
    def is_admin(self) -> bool:
        return ADMIN_ROLE in self.roles

    def has_permission(self, permission: str) -> bool:
        """Admins hold every permission."""
        return self.is_admin or permission in self.permissions

    def owns_or_admin(self, owner_id: str | None) -> bool:
        return self.is_admin or (owner_id is not None and owner_id == self.id)
