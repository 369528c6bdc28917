"""``iter_rated_movie_ids``: the ids of the movies whose stored aggregate counts ratings, in
batches, from an index walk (what the ratings reconcile visits to reset stale aggregates)."""

from __future__ import annotations

import httpx
from bson import SON, ObjectId

from app.kernel import runtime
from modules.catalog import iter_rated_movie_ids, set_rating_aggregate
from modules.catalog.documents import Movie
from modules.catalog.services._public import RATED_FILTER
from tests.integration.accounts import Account
from tests.integration.catalog.test_movies_explain import stages, winning_plans
from tests.integration.catalog.test_movies_helpers import create_movie, make_references


async def test_only_movies_whose_stored_aggregate_counts_ratings_in_batches(
    api: httpx.AsyncClient, member: Account
) -> None:
    refs = await make_references()
    movies = [await create_movie(api, member, refs, f"Walked {n}") for n in range(5)]
    first, second, sort_only, reset, never = (movie["id"] for movie in movies)
    await set_rating_aggregate(first, 8.0, 1, {"8": 1})
    await set_rating_aggregate(second, 3.5, 2, {"3": 1, "4": 1})
    await Movie.get_pymongo_collection().update_one({"_id": ObjectId(sort_only)}, {"$set": {"rating_sort": 0.5}})
    await set_rating_aggregate(reset, 6.0, 1, {"6": 1})
    await set_rating_aggregate(reset, None, 0, {})

    batches = [batch async for batch in iter_rated_movie_ids(batch_size=2)]

    assert sorted(len(batch) for batch in batches) == [1, 2]
    assert sorted(movie_id for batch in batches for movie_id in batch) == sorted([first, second, sort_only])
    assert never not in {movie_id for batch in batches for movie_id in batch}


async def test_nothing_rated_yields_no_batch(api: httpx.AsyncClient, member: Account) -> None:
    refs = await make_references()
    await create_movie(api, member, refs, "Unrated")
    assert [batch async for batch in iter_rated_movie_ids()] == []


async def test_the_walk_is_served_by_the_rating_index(api: httpx.AsyncClient) -> None:
    command = {"find": "movies", "filter": RATED_FILTER, "projection": {"_id": 1}}
    explain = await runtime.current().db.command(SON([("explain", command), ("verbosity", "queryPlanner")]))
    plans = winning_plans(explain)
    assert plans, explain
    found = [stage for plan in plans for stage in stages(plan)]
    assert "COLLSCAN" not in [stage["stage"] for stage in found], explain
    assert "movies_rating" in [stage.get("indexName") for stage in found if stage["stage"] == "IXSCAN"], explain
