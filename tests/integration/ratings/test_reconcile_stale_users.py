"""The reconcile also repairs users who have no rating left but whose stored statistics still
count ratings (a recompute lost after their last rating went, a corrupted document): it walks the
users with a non-zero stored count and resets those without ratings to zero statistics, leaving
correct ones untouched; and, through their own partial index, those whose count says "no ratings"
but whose statistics are not zero (a corrupted document). Run by a real worker, checked through
``GET /v1/users/{user_id}``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from bson import ObjectId

from modules.identity import iter_stale_unrated_user_ids
from modules.identity.documents import STALE_UNRATED_STATS_FILTER, User
from modules.ratings.documents import Rating
from tests.integration.accounts import Account, create_account
from tests.integration.catalog.test_movies_explain import index_scans
from tests.integration.ratings.conftest import MakeMovie, rate
from tests.integration.ratings.test_reconcile_stale import reconcile
from tests.support import WorkerProcess

pytestmark = pytest.mark.worker

ZERO = {"ratings_count": 0, "average_score": None}


async def corrupt(user_id: str, ratings_count: int, average_score: float | None) -> None:
    """Overwrite the stored statistics directly in the database (no service, no event)."""
    result = await User.get_pymongo_collection().update_one(
        {"_id": ObjectId(user_id)},
        {"$set": {"stats.ratings_count": ratings_count, "stats.average_score": average_score}},
    )
    assert result.modified_count == 1


async def stored_stats(user_id: str) -> dict[str, Any]:
    raw = await User.get_pymongo_collection().find_one({"_id": ObjectId(user_id)})
    assert raw is not None
    return dict(raw["stats"])


async def public_stats(api: httpx.AsyncClient, viewer: Account, user_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/users/{user_id}", headers=viewer.headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["stats"])


async def wait_for_stats(api: httpx.AsyncClient, viewer: Account, user_id: str, expected: dict[str, Any]) -> None:
    """Poll the public profile until its ``stats`` are ``expected`` (fails after a minute)."""
    deadline = time.monotonic() + 60
    while (stats := await public_stats(api, viewer, user_id)) != expected:
        assert time.monotonic() < deadline, f"the stats never became {expected}; last seen {stats}"
        await asyncio.sleep(0.05)


async def test_reconcile_resets_unrated_users_whose_stored_stats_count_ratings(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, other_member: Account, make_movie: MakeMovie
) -> None:
    corrupted, orphaned = await create_account(api), await create_account(api)
    movie = await make_movie()
    # a user who never rated, their stored statistics corrupted
    await corrupt(corrupted.id, 3, 7.3)
    # a user whose last rating went without a recompute (the rating removed behind the service's back)
    await rate(api, orphaned, movie["id"], 8)
    await wait_for_stats(api, member, orphaned.id, {"ratings_count": 1, "average_score": 8.0})
    deleted = await Rating.get_pymongo_collection().delete_many({"user_id": orphaned.id})
    assert deleted.deleted_count == 1
    # a rater with the right statistics, and a user who never rated with zero statistics
    await rate(api, member, movie["id"], 9)
    correct = {"ratings_count": 1, "average_score": 9.0}
    await wait_for_stats(api, other_member, member.id, correct)
    member_before = await User.get_pymongo_collection().find_one({"_id": ObjectId(member.id)})
    assert await public_stats(api, member, corrupted.id) == {"ratings_count": 3, "average_score": 7.3}
    assert await public_stats(api, member, orphaned.id) == {"ratings_count": 1, "average_score": 8.0}

    report = await reconcile()

    assert report["users_reset"] == 2, report
    assert report["users"] == 3, "the rater and the two reset users"
    for user in (corrupted, orphaned, other_member):
        assert await public_stats(api, member, user.id) == ZERO
        assert await stored_stats(user.id) == ZERO
    assert await public_stats(api, other_member, member.id) == correct
    member_after = await User.get_pymongo_collection().find_one({"_id": ObjectId(member.id)})
    assert member_after == member_before, "a correct rater is left as it was"

    again = await reconcile()
    assert again["users_reset"] == 0, "idempotent: nothing is left to reset"
    assert again["users"] == 1


async def stale_unrated_user_ids() -> set[str]:
    return {user_id async for batch in iter_stale_unrated_user_ids() for user_id in batch}


async def test_the_stale_statistics_walk_reads_its_partial_index_only(api: httpx.AsyncClient) -> None:
    cursor = User.get_pymongo_collection().find(STALE_UNRATED_STATS_FILTER, {"_id": 1}, hint="users_stats_unrated")
    assert index_scans(await cursor.explain()) == [("IXSCAN", "users_stats_unrated")]


async def test_statistics_that_count_no_ratings_but_are_not_zero_are_reset(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, other_member: Account, make_movie: MakeMovie
) -> None:
    averaged, negative, rater = await create_account(api), await create_account(api), await create_account(api)
    movie = await make_movie()
    # corrupted while the count says "no ratings": the walk of counts above 0 misses them
    await corrupt(averaged.id, 0, 7.3)
    await corrupt(negative.id, -2, None)
    # a rater whose statistics were corrupted the same way: recomputed from their rating
    await rate(api, rater, movie["id"], 9)
    correct = {"ratings_count": 1, "average_score": 9.0}
    await wait_for_stats(api, member, rater.id, correct)
    await corrupt(rater.id, 0, 4.0)
    assert await public_stats(api, member, averaged.id) == {"ratings_count": 0, "average_score": 7.3}
    assert await public_stats(api, member, negative.id) == {"ratings_count": -2, "average_score": None}
    # the partial index holds the corrupted users only, not the sound ones (member, other_member)
    assert await stale_unrated_user_ids() == {averaged.id, negative.id, rater.id}

    report = await reconcile()

    assert report["users_reset"] == 2, report
    for user in (averaged, negative, other_member):
        assert await public_stats(api, member, user.id) == ZERO
        assert await stored_stats(user.id) == ZERO
    assert await public_stats(api, member, rater.id) == correct
    assert await stale_unrated_user_ids() == set()
    again = await reconcile()
    assert again["users_reset"] == 0, again
