"""Identity's public interface: who the caller is and what they may do.

Other modules import only from here: the ``Principal`` (``request.user``), the guards, the
provider of the caller, the ``BEARER`` OpenAPI security requirement, the rating statistics
writer the ratings module calls (and ``iter_rated_user_ids``, the users whose stored statistics
count ratings, and ``iter_stale_unrated_user_ids``, those whose statistics count none yet are not
zero, which its reconcile resets when they have no rating), and ``ensure_admin`` for the seed step.
"""

from modules.identity.deps import build_user_service
from modules.identity.guards import (
    ensure_owner_or_admin,
    principal_of,
    provide_principal,
    requires_admin,
    requires_permission,
    resolve_user_id,
)
from modules.identity.principal import ADMIN_ROLE, PERMISSIONS, Principal
from modules.identity.services import iter_rated_user_ids, iter_stale_unrated_user_ids

BEARER: list[dict[str, list[str]]] = [{"BearerToken": []}]


async def set_user_rating_stats(user_id: str, ratings_count: int, average_score: float | None) -> None:
    """Store a user's public rating statistics (``stats`` of the public profile).

    ``average_score`` is ``None`` when there are no ratings (forced so for a count of 0). An
    unknown or malformed user id is ignored (the user may have been deleted meanwhile); a
    negative count is a ``ValueError``.
    """
    await build_user_service().set_rating_stats(user_id, ratings_count, average_score)


async def user_exists(user_id: str) -> bool:
    """Whether an account with this id exists (``False`` for malformed ids)."""
    return await build_user_service().exists(user_id)


async def ensure_admin(username: str, password: str) -> str:
    """Create the seeded administrator (active, roles member+admin) if missing; return its id.

    Idempotent. Raises ``ValueError`` when the username or password breaks the account rules,
    or when an account of that name exists but is not an administrator (never promoted).
    """
    return str((await build_user_service().ensure_admin(username, password)).id)


__all__ = [
    "ADMIN_ROLE",
    "BEARER",
    "PERMISSIONS",
    "Principal",
    "ensure_admin",
    "ensure_owner_or_admin",
    "iter_rated_user_ids",
    "iter_stale_unrated_user_ids",
    "principal_of",
    "provide_principal",
    "requires_admin",
    "requires_permission",
    "resolve_user_id",
    "set_user_rating_stats",
    "user_exists",
]
