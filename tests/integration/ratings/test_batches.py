"""Batched recomputes, in process: the Redis queue and drain flag, a drain over many movies, and
the catalog's bulk write of aggregates (only what differs is written; caches follow)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from bson import ObjectId

from app.kernel import runtime
from app.kernel.documents import IN_CHUNK
from modules.catalog import set_rating_aggregates
from modules.ratings import events
from modules.ratings.documents import Rating
from modules.ratings.services import MOVIE, USER, AggregateService, MovieAggregate, RecomputeQueue
from modules.ratings.services._aggregates import DRAIN_BATCH_SIZE
from modules.ratings.services._pending import PendingRatings
from tests.integration.accounts import Account, create_account
from tests.integration.ratings.conftest import (
    MISSING_ID,
    MakeMovie,
    distribution,
    movie_rating,
    pending_recomputes,
    rate,
)


@pytest.fixture(autouse=True)
def no_drain_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The drains here run in the test: none is sent to a worker (the session's may be running)."""

    async def keep_queued(name: str, args: list[Any], countdown: float | None = None) -> bool:
        return True

    monkeypatch.setattr(events, "enqueue_task", keep_queued)


def queue() -> RecomputeQueue:
    return RecomputeQueue(runtime.current().redis)


async def test_the_first_change_after_a_drain_started_asks_for_one_drain(api: httpx.AsyncClient) -> None:
    pending = queue()
    assert await pending.add({MOVIE: ["m1"], USER: ["u1"]}) == [MOVIE, USER]
    assert await pending.add({MOVIE: ["m2", "m1"], USER: ["u1"]}) == [], "a drain of each kind is queued"
    await pending.release(MOVIE)  # a drain started
    assert await pending.add({MOVIE: ["m3"], USER: []}) == [MOVIE]
    assert sorted(await pending.take(MOVIE, 10)) == ["m1", "m2", "m3"]
    assert await pending.take(MOVIE, 10) == []
    assert await pending.take(USER, 10) == ["u1"]


async def test_a_drain_recomputes_many_movies_in_batches_and_settles_their_marks(
    api: httpx.AsyncClient, member: Account, other_member: Account, make_movie: MakeMovie
) -> None:
    """More movies than one query's ``$in`` takes: the tokens, the aggregations, the stored
    aggregates' read, the marks' reads and the clears go piece by piece, and every movie ends
    exact with nothing left pending."""
    count = IN_CHUNK + 5
    movies = [await make_movie() for _ in range(count)]
    scores = [1 + index % 10 for index in range(count)]
    for movie, score in zip(movies, scores, strict=True):
        await rate(api, member, movie["id"], score)
    await rate(api, other_member, movies[0]["id"], 10)
    service = AggregateService(runtime.current().redis)
    # no worker runs in this test: the listener queued every movie and both users in Redis
    assert await service.drain(MOVIE) == count
    # a user drain an earlier test queued with its 3 s delay may still fire in the session's
    # worker and take some of these users from the shared Redis set first: the end state decides
    assert await service.drain(USER) <= 2
    assert await service.drain(MOVIE) == 0
    assert await movie_rating(api, member, movies[0]["id"]) == {
        "average": 5.5,
        "count": 2,
        "distribution": distribution(s1=1, s10=1),
    }
    for movie, score in zip(movies[1:], scores[1:], strict=True):
        rating = await movie_rating(api, member, movie["id"])
        assert (rating["count"], rating["distribution"][str(score)]) == (1, 1)
    profile = await api.get(f"/v1/users/{member.id}", headers=other_member.headers)
    average = round(sum(scores) / count, 1)  # 5.5: no half-way rounding to disagree on
    assert profile.json()["stats"] == {"ratings_count": count, "average_score": average}
    assert await pending_recomputes() == []


async def test_a_drain_settles_more_delete_marks_than_one_in_takes(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie
) -> None:
    """A deleted rating leaves a durable mark (no rating is left to carry a token): a drain over
    more marked movies than one ``$in`` takes reads their marks piece by piece, resets every
    aggregate and settles every mark."""
    count = IN_CHUNK + 5
    movies = [await make_movie() for _ in range(count)]
    for movie in movies:
        await rate(api, member, movie["id"], 7)
    service = AggregateService(runtime.current().redis)
    assert await service.drain(MOVIE) == count
    for movie in movies:
        assert (await api.delete(f"/v1/movies/{movie['id']}/rating", headers=member.headers)).status_code == 204
    assert sorted(await pending_recomputes()) == sorted(
        [f"movie:{movie['id']}" for movie in movies] + [f"user:{member.id}"]
    )
    assert await service.drain(MOVIE) == count
    await service.drain(USER)
    for movie in movies:
        assert await movie_rating(api, member, movie["id"]) == {
            "average": None,
            "count": 0,
            "distribution": distribution(),
        }
    assert await pending_recomputes() == []


async def test_a_failed_drain_puts_its_subjects_back(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie, monkeypatch: pytest.MonkeyPatch
) -> None:
    movie = await make_movie()
    await rate(api, member, movie["id"], 6)
    service = AggregateService(runtime.current().redis)

    async def broken(movie_ids: list[str]) -> None:
        raise RuntimeError("database gone")

    with monkeypatch.context() as patched:
        patched.setattr(AggregateService, "compute_movies", staticmethod(broken))
        with pytest.raises(RuntimeError):
            await service.drain(MOVIE)
    assert await service.drain(MOVIE) == 1
    assert (await movie_rating(api, member, movie["id"]))["count"] == 1


async def test_bulk_aggregates_write_only_what_differs_and_refresh_the_detail(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie
) -> None:
    first, second = await make_movie(), await make_movie()
    assert (await movie_rating(api, member, first["id"]))["count"] == 0  # the detail is cached now
    written = await set_rating_aggregates(
        [
            (first["id"], 7.649, 4, {"7": 2, "8": 2, "11": 5}),
            (second["id"], None, 0, {}),  # what is stored already
            (MISSING_ID, 9.0, 1, {"9": 1}),
            ("bad", 9.0, 1, {"9": 1}),
        ]
    )
    assert written == 1
    assert await movie_rating(api, member, first["id"]) == {
        "average": 7.6,
        "count": 4,
        "distribution": distribution(s7=2, s8=2),
    }
    assert await set_rating_aggregates([(first["id"], 7.649, 4, {"7": 2, "8": 2})]) == 0, "idempotent"
    assert await set_rating_aggregates([(first["id"], 7.649, 4, {"7": 2, "8": 2})], force=True) == 1
    assert await set_rating_aggregates([]) == 0
    listed = await api.get("/v1/movies", params={"min_rating": 7}, headers=member.headers)
    assert [item["id"] for item in listed.json()["data"]] == [first["id"]]


async def test_a_bulk_write_of_more_aggregates_than_redis_connections_refreshes_every_detail(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie
) -> None:
    """A drain's batch may change up to 200 aggregates at once: their cached details are all
    invalidated (one round trip; one Redis command per movie at once used to exhaust the
    process's pool of 100 connections, and the details it missed stayed stale for minutes)."""
    movies = [(await make_movie())["id"] for _ in range(DRAIN_BATCH_SIZE)]
    for movie_id in movies:
        assert (await movie_rating(api, member, movie_id))["count"] == 0  # the detail is cached now
    written = await set_rating_aggregates((movie_id, 8.0, 1, {"8": 1}) for movie_id in movies)
    assert written == len(movies)
    stale = [movie_id for movie_id in movies if (await movie_rating(api, member, movie_id))["count"] != 1]
    assert stale == []


async def test_many_raters_of_one_movie_end_exact_after_one_drain(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    raters = [await create_account(api) for _ in range(4)]
    for rater, score in zip(raters, (2, 4, 6, 9), strict=True):
        await rate(api, rater, movie["id"], score)
    assert await AggregateService(runtime.current().redis).drain(MOVIE) == 1, "one movie, queued once"
    assert await movie_rating(api, member, movie["id"]) == {
        "average": 5.3,
        "count": 4,
        "distribution": distribution(s2=1, s4=1, s6=1, s9=1),
    }


async def test_an_older_result_written_last_is_caught_and_computed_again(
    api: httpx.AsyncClient,
    member: Account,
    other_member: Account,
    make_movie: MakeMovie,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two recomputes of one movie overlap: the first reads the ratings, then a new rating comes
    and a second recompute writes and settles everything, then the first writes its older result.
    The first finds its token settled by the other, so it computes again: the newer result wins."""
    movie = await make_movie()
    await rate(api, member, movie["id"], 3)
    original = AggregateService.compute_movies
    overlapped = False

    async def overlapping(movie_ids: Sequence[str]) -> dict[str, MovieAggregate]:
        nonlocal overlapped
        result = await original(movie_ids)
        if not overlapped:
            overlapped = True
            await rate(api, other_member, movie["id"], 9)
            await AggregateService(runtime.current().redis).recompute_movies(movie_ids)
            assert (await movie_rating(api, member, movie["id"]))["count"] == 2
        return result

    monkeypatch.setattr(AggregateService, "compute_movies", staticmethod(overlapping))
    await AggregateService(runtime.current().redis).recompute_movies([movie["id"]])
    assert overlapped
    assert await movie_rating(api, member, movie["id"]) == {
        "average": 6.0,
        "count": 2,
        "distribution": distribution(s3=1, s9=1),
    }
    assert [pending for pending in await pending_recomputes() if pending.startswith("movie:")] == []


async def test_clearing_tokens_in_chunks_clears_exactly_those_still_held(api: httpx.AsyncClient) -> None:
    # more tokens than one update statement takes; some were replaced or settled meanwhile
    collection = Rating.get_pymongo_collection()
    count = 2 * IN_CHUNK + 7
    tokens = [(ObjectId(), ObjectId()) for _ in range(count)]
    await collection.insert_many(
        [
            {"_id": rating_id, "user_id": f"u{n}", "movie_id": "m", "score": 5, "pending_movie": token}
            for n, (rating_id, token) in enumerate(tokens)
        ]
    )
    replaced = [rating_id for rating_id, _ in tokens[3:count:IN_CHUNK]]
    settled = [rating_id for rating_id, _ in tokens[5:count:IN_CHUNK]]
    await collection.update_many({"_id": {"$in": replaced}}, {"$set": {"pending_movie": ObjectId()}})
    await collection.update_many({"_id": {"$in": settled}}, {"$unset": {"pending_movie": ""}})
    # another rating's token is never cleared through a token of the read set
    other = await collection.insert_one({"user_id": "x", "movie_id": "m", "score": 1, "pending_movie": tokens[0][1]})

    assert await PendingRatings().clear(MOVIE, tokens) == count - len(replaced) - len(settled)
    left = {raw["_id"] async for raw in collection.find({"pending_movie": {"$exists": True}}, {"_id": 1})}
    assert left == set(replaced) | {other.inserted_id}
