"""Catalog state for the ratings tests (movies built through the API) and aggregate helpers."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from modules.ratings.documents import Rating, RecomputeMark
from tests.integration.accounts import Account

MakeMovie = Callable[..., Awaitable[dict[str, Any]]]
MISSING_ID = "0123456789abcdef01234567"
MALFORMED_IDS = ["abc", "0123456789abcdef0123456z", "0123456789abcdef012345678", "abcdefghijkl"]
_titles = itertools.count(1)


@pytest.fixture
async def make_movie(api: httpx.AsyncClient, admin: Account) -> MakeMovie:
    """``await make_movie(title=..., year=...)`` -> the created movie's detail."""
    genre = await api.post("/v1/genres", json={"name": "Drama"}, headers=admin.headers)
    director = await api.post(
        "/v1/directors", json={"name": "Greta Gerwig", "date_of_birth": "1983-08-04"}, headers=admin.headers
    )
    assert genre.status_code == director.status_code == 201, (genre.text, director.text)

    async def create(title: str | None = None, year: int = 2019) -> dict[str, Any]:
        body = {
            "title": title or f"Rated Film {next(_titles)}",
            "year": year,
            "runtime_minutes": 120,
            "genre_ids": [genre.json()["id"]],
            "director_id": director.json()["id"],
        }
        response = await api.post("/v1/movies", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return create


async def rate(
    api: httpx.AsyncClient, account: Account, movie_id: str, score: int, review: str | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"score": score}
    if review is not None:
        body["review"] = review
    response = await api.put(f"/v1/movies/{movie_id}/rating", json=body, headers=account.headers)
    assert response.status_code in (200, 201), response.text
    return response


async def movie_rating(api: httpx.AsyncClient, account: Account, movie_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/movies/{movie_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["rating"])


async def wait_for_rating(
    api: httpx.AsyncClient,
    account: Account,
    movie_id: str,
    expected: Callable[[dict[str, Any]], bool],
    timeout: float = 60,
) -> dict[str, Any]:
    """Poll the movie until its ``rating`` satisfies ``expected`` (fails after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        rating = await movie_rating(api, account, movie_id)
        if expected(rating):
            return rating
        assert time.monotonic() < deadline, f"the aggregate never matched; last seen {rating}"
        await asyncio.sleep(0.05)


def distribution(**counts: int) -> dict[str, int]:
    """All ten keys; ``distribution(s7=2)`` -> {"1": 0, ..., "7": 2, ...}."""
    full = {str(score): 0 for score in range(1, 11)}
    full.update({key.removeprefix("s"): value for key, value in counts.items()})
    return full


async def pending_recomputes() -> list[str]:
    """Every recompute still pending, as ``movie:<id>`` / ``user:<id>``: marks and rating tokens."""
    pending = {mark.id async for mark in RecomputeMark.find({"pending": True})}
    query = {"$or": [{"pending_movie": {"$exists": True}}, {"pending_user": {"$exists": True}}]}
    async for raw in Rating.get_pymongo_collection().find(query):
        if "pending_movie" in raw:
            pending.add(f"movie:{raw['movie_id']}")
        if "pending_user" in raw:
            pending.add(f"user:{raw['user_id']}")
    return sorted(pending)
