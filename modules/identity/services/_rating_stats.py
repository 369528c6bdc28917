"""Walking the users whose stored public rating statistics count ratings (for the ratings reconcile)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from app.kernel.documents import id_batches
from modules.identity.documents import STALE_UNRATED_STATS_FILTER, User

# users whose stored statistics count ratings: the filter of the partial ``users_rated`` index
# (the query must match the partial filter for the planner to use the index)
RATED_USERS_FILTER: dict[str, Any] = {"stats.ratings_count": {"$gt": 0}}


async def iter_rated_user_ids(batch_size: int = 200) -> AsyncIterator[list[str]]:
    """The ids of the users whose stored ``stats.ratings_count`` is above 0, in batches of ``batch_size``.

    One cursor walks the partial ``users_rated`` index (which holds only those users) and reads
    ids only (a covered query on MongoDB: the index ends with ``_id``), so the cost follows the
    rated users, not the accounts, and memory stays flat. The
    caller may change statistics between batches: a user moved out of the range is not returned
    again, and one whose count changed meanwhile may be returned twice or, when its new count is
    one the walk has passed, not at all (its statistics were just written).
    """
    async for batch in id_batches(User.get_pymongo_collection(), RATED_USERS_FILTER, batch_size):
        yield batch


async def iter_stale_unrated_user_ids(batch_size: int = 200) -> AsyncIterator[list[str]]:
    """The ids of the users whose stored statistics say "no ratings" (a count of 0 or below) yet
    are not zero (a negative count, or an average score beside a count of 0), in batches.

    Such statistics are corrupted: no writer stores them. The walk reads the partial
    ``users_stats_unrated`` index, which holds only those users (none on a sound database), so it
    costs nothing more as accounts grow; it is hinted because the index's filter has an ``$or``.
    """
    async for batch in id_batches(
        User.get_pymongo_collection(), STALE_UNRATED_STATS_FILTER, batch_size, hint="users_stats_unrated"
    ):
        yield batch
