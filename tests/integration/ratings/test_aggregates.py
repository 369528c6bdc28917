"""The movie's rating aggregate and the users' public stats, recomputed by a real Celery worker."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from modules.ratings.documents import Rating
from tests.integration.accounts import Account, create_account
from tests.integration.ratings.conftest import (
    MakeMovie,
    distribution,
    movie_rating,
    pending_recomputes,
    rate,
    wait_for_rating,
)
from tests.support import WorkerProcess

pytestmark = pytest.mark.worker


async def test_a_new_rating_reaches_the_movie_through_the_worker(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    assert movie["rating"] == {"average": None, "count": 0, "distribution": distribution()}
    await rate(api, member, movie["id"], 7)
    rating = await wait_for_rating(api, member, movie["id"], lambda r: r["count"] == 1)
    assert rating == {"average": 7.0, "count": 1, "distribution": distribution(s7=1)}
    for _ in range(1200):  # the marks are settled just after the aggregate is written
        if await pending_recomputes() == []:
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the worker never settled the recompute marks")


async def test_updates_and_deletes_follow(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, other_member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    await rate(api, member, movie["id"], 8)
    await rate(api, other_member, movie["id"], 3)
    both = await wait_for_rating(api, member, movie["id"], lambda r: r["count"] == 2)
    assert both == {"average": 5.5, "count": 2, "distribution": distribution(s3=1, s8=1)}

    await rate(api, other_member, movie["id"], 4)
    updated = await wait_for_rating(api, member, movie["id"], lambda r: r["distribution"]["4"] == 1)
    assert updated == {"average": 6.0, "count": 2, "distribution": distribution(s4=1, s8=1)}

    assert (await api.delete(f"/v1/movies/{movie['id']}/rating", headers=member.headers)).status_code == 204
    one = await wait_for_rating(api, member, movie["id"], lambda r: r["count"] == 1)
    assert one == {"average": 4.0, "count": 1, "distribution": distribution(s4=1)}

    assert (await api.delete(f"/v1/movies/{movie['id']}/rating", headers=other_member.headers)).status_code == 204
    none = await wait_for_rating(api, member, movie["id"], lambda r: r["count"] == 0)
    assert none == {"average": None, "count": 0, "distribution": distribution()}


async def test_average_is_rounded_to_one_decimal(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    for score in (7, 7, 7, 8):  # 29 / 4 = 7.25 -> 7.3 (half up, where float rounding gives 7.2)
        await rate(api, await create_account(api), movie["id"], score)
    assert (await wait_for_rating(api, member, movie["id"], lambda r: r["count"] == 4))["average"] == 7.3
    await rate(api, await create_account(api), movie["id"], 9)  # 38 / 5 = 7.6
    assert (await wait_for_rating(api, member, movie["id"], lambda r: r["count"] == 5))["average"] == 7.6
    await rate(api, await create_account(api), movie["id"], 8)  # 46 / 6 = 7.666.. -> 7.7
    assert (await wait_for_rating(api, member, movie["id"], lambda r: r["count"] == 6))["average"] == 7.7


async def test_a_burst_of_ratings_ends_exact(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    raters = [await create_account(api) for _ in range(12)]
    scores = [1 + n % 10 for n in range(12)]
    await asyncio.gather(*(rate(api, rater, movie["id"], score) for rater, score in zip(raters, scores, strict=True)))
    rating = await wait_for_rating(api, member, movie["id"], lambda r: r["count"] == 12)
    assert rating == {
        "average": round(sum(scores) / 12, 1),
        "count": 12,
        "distribution": distribution(s1=2, s2=2, s3=1, s4=1, s5=1, s6=1, s7=1, s8=1, s9=1, s10=1),
    }


async def test_the_listing_filters_and_sorts_on_the_aggregate(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, make_movie: MakeMovie
) -> None:
    low, high, unrated = await make_movie(), await make_movie(), await make_movie()
    await rate(api, member, low["id"], 3)
    await rate(api, member, high["id"], 9)
    await wait_for_rating(api, member, low["id"], lambda r: r["count"] == 1)
    await wait_for_rating(api, member, high["id"], lambda r: r["count"] == 1)
    by_rating = await api.get("/v1/movies", params={"sort": "-rating"}, headers=member.headers)
    assert [item["id"] for item in by_rating.json()["data"]] == [high["id"], low["id"], unrated["id"]]
    good = await api.get("/v1/movies", params={"min_rating": 5}, headers=member.headers)
    assert [item["id"] for item in good.json()["data"]] == [high["id"]]
    bad = await api.get("/v1/movies", params={"max_rating": 5}, headers=member.headers)
    assert low["id"] in [item["id"] for item in bad.json()["data"]]
    assert high["id"] not in [item["id"] for item in bad.json()["data"]]


async def _wait_for_stats(api: httpx.AsyncClient, viewer: Account, user_id: str, expected: dict[str, object]) -> None:
    for _ in range(1200):
        response = await api.get(f"/v1/users/{user_id}", headers=viewer.headers)
        assert response.status_code == 200, response.text
        if response.json()["stats"] == expected:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"stats never became {expected}; last {response.json()['stats']}")


async def test_public_profile_stats_follow_the_ratings(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, other_member: Account, make_movie: MakeMovie
) -> None:
    first, second = await make_movie(), await make_movie()
    profile = await api.get(f"/v1/users/{member.id}", headers=other_member.headers)
    assert profile.json()["stats"] == {"ratings_count": 0, "average_score": None}
    await rate(api, member, first["id"], 9)
    await rate(api, member, second["id"], 6)
    await _wait_for_stats(api, other_member, member.id, {"ratings_count": 2, "average_score": 7.5})
    await api.delete(f"/v1/movies/{first['id']}/rating", headers=member.headers)
    await _wait_for_stats(api, other_member, member.id, {"ratings_count": 1, "average_score": 6.0})


async def test_deleting_a_movie_removes_its_ratings(
    api: httpx.AsyncClient,
    worker: WorkerProcess,
    admin: Account,
    member: Account,
    other_member: Account,
    make_movie: MakeMovie,
) -> None:
    doomed, kept = await make_movie(), await make_movie()
    await rate(api, member, doomed["id"], 10)
    await rate(api, member, kept["id"], 4)
    await rate(api, other_member, doomed["id"], 2)
    await _wait_for_stats(api, member, member.id, {"ratings_count": 2, "average_score": 7.0})
    await _wait_for_stats(api, member, other_member.id, {"ratings_count": 1, "average_score": 2.0})

    assert (await api.delete(f"/v1/movies/{doomed['id']}", headers=admin.headers)).status_code == 204
    assert await Rating.find({"movie_id": doomed["id"]}).count() == 0
    mine = await api.get("/v1/users/me/ratings", headers=member.headers)
    assert [item["movie"]["id"] for item in mine.json()["data"]] == [kept["id"]]
    assert mine.json()["total"] == 1
    gone = await api.get(f"/v1/movies/{doomed['id']}/ratings", headers=member.headers)
    assert gone.status_code == 404
    await _wait_for_stats(api, member, member.id, {"ratings_count": 1, "average_score": 4.0})
    await _wait_for_stats(api, member, other_member.id, {"ratings_count": 0, "average_score": None})
    assert (await movie_rating(api, member, kept["id"]))["count"] == 1
