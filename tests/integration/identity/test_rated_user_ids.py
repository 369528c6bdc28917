"""``iter_rated_user_ids``: the ids of the users whose stored rating statistics count ratings, in
batches, from a walk of the partial ``users_rated`` index (what the ratings reconcile visits to
reset stale statistics)."""

from __future__ import annotations

import httpx
from bson import SON, ObjectId

from app.kernel import runtime
from modules.identity import iter_rated_user_ids, set_user_rating_stats
from modules.identity.documents import User
from modules.identity.services._rating_stats import RATED_USERS_FILTER
from tests.integration.accounts import create_account
from tests.integration.catalog.test_movies_explain import stages, winning_plans


async def test_only_users_whose_stored_stats_count_ratings_in_batches(api: httpx.AsyncClient) -> None:
    first, second, corrupted, reset, never = [await create_account(api) for _ in range(5)]
    await set_user_rating_stats(first.id, 1, 8.0)
    await set_user_rating_stats(second.id, 4, 3.5)
    # written behind the service's back: a count without an average still counts
    await User.get_pymongo_collection().update_one(
        {"_id": ObjectId(corrupted.id)}, {"$set": {"stats.ratings_count": 7}}
    )
    await set_user_rating_stats(reset.id, 2, 6.0)
    await set_user_rating_stats(reset.id, 0, None)

    batches = [batch async for batch in iter_rated_user_ids(batch_size=2)]

    assert sorted(len(batch) for batch in batches) == [1, 2]
    walked = [user_id for batch in batches for user_id in batch]
    assert sorted(walked) == sorted([first.id, second.id, corrupted.id])
    assert reset.id not in walked and never.id not in walked


async def test_nobody_rated_yields_no_batch(api: httpx.AsyncClient) -> None:
    await create_account(api)
    assert [batch async for batch in iter_rated_user_ids()] == []


async def test_the_walk_is_served_by_the_partial_index(api: httpx.AsyncClient) -> None:
    command = {"find": "users", "filter": RATED_USERS_FILTER, "projection": {"_id": 1}}
    explain = await runtime.current().db.command(SON([("explain", command), ("verbosity", "queryPlanner")]))
    plans = winning_plans(explain)
    assert plans, explain
    found = [stage for plan in plans for stage in stages(plan)]
    assert "COLLSCAN" not in [stage["stage"] for stage in found], explain
    assert "users_rated" in [stage.get("indexName") for stage in found if stage["stage"] == "IXSCAN"], explain
