"""The reconcile also repairs movies that have no rating left but whose stored aggregate still
counts ratings (a recompute lost after the last rating went, a corrupted document): it walks the
movies with a non-empty stored aggregate and resets those without ratings to the empty aggregate,
leaving correct ones untouched; and, through their own partial index, those whose sort key counts
no ratings but whose aggregate is not empty (a corrupted document). Run by a real worker, checked
through ``GET /v1/movies/{id}``."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from bson import ObjectId
from celery import current_app

from modules.catalog import iter_stale_unrated_movie_ids
from modules.catalog.documents import STALE_UNRATED_RATING_FILTER, UNSORTABLE_RATING_FILTER, Movie
from modules.ratings.documents import Rating
from tests.integration.accounts import Account
from tests.integration.catalog.test_movies_explain import index_scans
from tests.integration.ratings.conftest import MakeMovie, distribution, movie_rating, rate, wait_for_rating
from tests.support import WorkerProcess

pytestmark = pytest.mark.worker

TASK_TIMEOUT = 120
EMPTY = {"average": None, "count": 0, "distribution": distribution()}


async def reconcile() -> dict[str, Any]:
    result = current_app.send_task("ratings.reconcile_aggregates")
    report = await asyncio.to_thread(result.get, timeout=TASK_TIMEOUT)
    assert report["skipped"] is False, report
    return dict(report)


async def corrupt(movie_id: str, rating: dict[str, Any], rating_sort: float) -> None:
    """Overwrite the stored aggregate directly in the database (no cache invalidation, no event)."""
    result = await Movie.get_pymongo_collection().update_one(
        {"_id": ObjectId(movie_id)}, {"$set": {"rating": rating, "rating_sort": rating_sort}}
    )
    assert result.modified_count == 1


async def stored_movie(movie_id: str) -> dict[str, Any]:
    raw = await Movie.get_pymongo_collection().find_one({"_id": ObjectId(movie_id)})
    assert raw is not None
    return dict(raw)


async def test_reconcile_resets_unrated_movies_whose_stored_aggregate_counts_ratings(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, other_member: Account, make_movie: MakeMovie
) -> None:
    corrupted, orphaned, rated, unrated = [await make_movie() for _ in range(4)]
    # a movie that never had a rating, its stored aggregate corrupted
    await corrupt(corrupted["id"], {"average": 7.3, "count": 3, "distribution": distribution(s6=1, s7=1, s9=1)}, 7.3)
    # a movie whose last rating went without a recompute (the rating removed behind the service's back)
    await rate(api, member, orphaned["id"], 8)
    await wait_for_rating(api, member, orphaned["id"], lambda r: r["count"] == 1)
    deleted = await Rating.get_pymongo_collection().delete_many({"movie_id": orphaned["id"]})
    assert deleted.deleted_count == 1
    # a rated movie with the right aggregate, and an unrated one with the empty aggregate
    await rate(api, member, rated["id"], 9)
    await rate(api, other_member, rated["id"], 4)
    correct = {"average": 6.5, "count": 2, "distribution": distribution(s4=1, s9=1)}
    await wait_for_rating(api, member, rated["id"], lambda r: r == correct)
    rated_before = await stored_movie(rated["id"])
    assert (await movie_rating(api, member, corrupted["id"]))["count"] == 3
    assert (await movie_rating(api, member, orphaned["id"]))["count"] == 1

    report = await reconcile()

    assert report["movies_reset"] == 2, report
    assert report["movies"] == 3, "the rated movie and the two reset ones"
    assert await movie_rating(api, member, corrupted["id"]) == EMPTY
    assert await movie_rating(api, member, orphaned["id"]) == EMPTY
    assert await movie_rating(api, member, unrated["id"]) == EMPTY
    assert await movie_rating(api, member, rated["id"]) == correct
    assert await stored_movie(rated["id"]) == rated_before, "a correct aggregate is not rewritten"
    for movie in (corrupted, orphaned, unrated):
        assert (await stored_movie(movie["id"]))["rating_sort"] == -1.0
    listing = await api.get("/v1/movies", params={"min_rating": 1}, headers=member.headers)
    assert listing.status_code == 200, listing.text
    assert [item["id"] for item in listing.json()["data"]] == [rated["id"]]

    again = await reconcile()
    assert again["movies_reset"] == 0, "idempotent: nothing is left to reset"
    assert again["movies"] == 1


async def test_a_stale_sort_key_alone_is_reset(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    await corrupt(movie["id"], EMPTY, 4.0)

    report = await reconcile()

    assert report["movies_reset"] == 1, report
    assert (await stored_movie(movie["id"]))["rating_sort"] == -1.0
    assert await movie_rating(api, member, movie["id"]) == EMPTY


async def stale_unrated_movie_ids() -> set[str]:
    return {movie_id async for batch in iter_stale_unrated_movie_ids() for movie_id in batch}


async def test_the_stale_aggregate_walk_reads_its_partial_index_only(api: httpx.AsyncClient) -> None:
    cursor = Movie.get_pymongo_collection().find(STALE_UNRATED_RATING_FILTER, {"_id": 1}, hint="movies_rating_stale")
    assert index_scans(await cursor.explain()) == [("IXSCAN", "movies_rating_stale")]


async def test_an_aggregate_that_counts_no_ratings_but_is_not_empty_is_reset(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, make_movie: MakeMovie
) -> None:
    scored, scores, counted, below, rated, unrated = [await make_movie() for _ in range(6)]
    # corrupted while the sort key says "no ratings": the walk of rating_sort above -1 misses them
    await corrupt(scored["id"], {**EMPTY, "average": 7.3}, -1.0)
    await corrupt(scores["id"], {**EMPTY, "distribution": distribution(s7=2)}, -1.0)
    await corrupt(counted["id"], {**EMPTY, "count": 2}, -1.0)
    await corrupt(below["id"], EMPTY, -3.0)
    await rate(api, member, rated["id"], 8)
    correct = {"average": 8.0, "count": 1, "distribution": distribution(s8=1)}
    await wait_for_rating(api, member, rated["id"], lambda r: r == correct)
    assert (await movie_rating(api, member, scored["id"]))["average"] == 7.3
    assert (await movie_rating(api, member, scores["id"]))["distribution"] == distribution(s7=2)
    assert (await movie_rating(api, member, counted["id"]))["count"] == 2
    # the partial index holds the corrupted movies only, not the sound ones (rated or not)
    assert await stale_unrated_movie_ids() == {movie["id"] for movie in (scored, scores, counted, below)}

    report = await reconcile()

    assert report["movies_reset"] == 4, report
    for movie in (scored, scores, counted, below, unrated):
        assert await movie_rating(api, member, movie["id"]) == EMPTY
        assert (await stored_movie(movie["id"]))["rating_sort"] == -1.0
    assert await movie_rating(api, member, rated["id"]) == correct
    assert await stale_unrated_movie_ids() == set()
    again = await reconcile()
    assert again["movies_reset"] == 0, again


async def test_a_movie_without_a_numeric_sort_key_is_reset(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, make_movie: MakeMovie
) -> None:
    missing, null, nan, rated = [await make_movie() for _ in range(4)]
    collection = Movie.get_pymongo_collection()
    await collection.update_one({"_id": ObjectId(missing["id"])}, {"$unset": {"rating_sort": ""}})
    await collection.update_one({"_id": ObjectId(null["id"])}, {"$set": {"rating_sort": None}})
    await collection.update_one({"_id": ObjectId(nan["id"])}, {"$set": {"rating_sort": float("nan")}})
    await rate(api, member, rated["id"], 6)
    await wait_for_rating(api, member, rated["id"], lambda r: r["count"] == 1)
    # a listing by rating leaves them out: they have no sort key
    listed = await api.get("/v1/movies", params={"sort": "-rating", "page_size": 100}, headers=member.headers)
    assert {item["id"] for item in listed.json()["data"]} == {rated["id"]}
    assert await stale_unrated_movie_ids() == {missing["id"], null["id"], nan["id"]}

    report = await reconcile()

    assert report["movies_reset"] == 3, report
    for movie in (missing, null, nan):
        assert (await stored_movie(movie["id"]))["rating_sort"] == -1.0
        assert await movie_rating(api, member, movie["id"]) == EMPTY
    listed = await api.get("/v1/movies", params={"sort": "-rating", "page_size": 100}, headers=member.headers)
    ids = [item["id"] for item in listed.json()["data"]]
    assert ids[0] == rated["id"]
    assert set(ids) == {movie["id"] for movie in (missing, null, nan, rated)}
    assert await stale_unrated_movie_ids() == set()


async def test_the_unsortable_walk_reads_two_points_of_the_rating_index(api: httpx.AsyncClient) -> None:
    cursor = Movie.get_pymongo_collection().find(UNSORTABLE_RATING_FILTER, {"_id": 1})
    assert index_scans(await cursor.explain()) == [("IXSCAN", "movies_rating")]
