"""Identity's public interface: who the caller is and what they may do.

Other modules import only from here: the ``Principal`` (``request.user``), the guards, the
provider of the caller, the ``BEARER`` OpenAPI security requirement and read-only user lookups.
"""

from modules.identity.guards import (
    ensure_owner_or_admin,
    principal_of,
    provide_principal,
    requires_admin,
    requires_permission,
    resolve_user_id,
)
from modules.identity.principal import ADMIN_ROLE, PERMISSIONS, Principal

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]

__all__ = [
    "ADMIN_ROLE",
    "BEARER",
    "PERMISSIONS",
    "Principal",
    "ensure_owner_or_admin",
    "principal_of",
    "provide_principal",
    "requires_admin",
    "requires_permission",
    "resolve_user_id",
]
