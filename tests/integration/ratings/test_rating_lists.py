"""GET /v1/movies/{movie_id}/ratings and GET /v1/users/{user_id}/ratings: shapes, sorts, paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from modules.catalog import get_movie_summaries
from modules.ratings.services import _ratings
from tests.integration.accounts import Account, create_account
from tests.integration.ratings.conftest import MakeMovie, rate
from tests.support import error_of


async def test_movie_ratings_shape_and_default_sort(
    api: httpx.AsyncClient, member: Account, other_member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    await rate(api, member, movie["id"], 8, "Great")
    await rate(api, other_member, movie["id"], 3)
    response = await api.get(f"/v1/movies/{movie['id']}/ratings", headers=member.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {key: body[key] for key in ("page", "page_size", "total")} == {"page": 1, "page_size": 20, "total": 2}
    newest, oldest = body["data"]
    assert newest["user"] == {"id": other_member.id, "username": "bob"}
    assert (newest["score"], newest["review"]) == (3, None)
    assert oldest["user"] == {"id": member.id, "username": "alice"}
    assert (oldest["score"], oldest["review"]) == (8, "Great")
    assert oldest["rated_at"].endswith("Z")
    assert newest["rated_at"] >= oldest["rated_at"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("-rated_at", [4, 9, 6, 1]), ("rated_at", [1, 6, 9, 4]), ("-score", [9, 6, 4, 1]), ("score", [1, 4, 6, 9])],
)
async def test_movie_ratings_sorts(
    api: httpx.AsyncClient, make_movie: MakeMovie, member: Account, sort: str, expected: list[int]
) -> None:
    movie = await make_movie()
    for score in (1, 6, 9, 4):
        await rate(api, await create_account(api), movie["id"], score)
    response = await api.get(f"/v1/movies/{movie['id']}/ratings", params={"sort": sort}, headers=member.headers)
    assert response.status_code == 200, response.text
    assert [item["score"] for item in response.json()["data"]] == expected


async def test_equal_scores_are_ordered_by_id(api: httpx.AsyncClient, make_movie: MakeMovie, member: Account) -> None:
    movie = await make_movie()
    raters = [await create_account(api) for _ in range(3)]
    for rater in raters:
        await rate(api, rater, movie["id"], 5)
    ascending = await api.get(f"/v1/movies/{movie['id']}/ratings", params={"sort": "score"}, headers=member.headers)
    descending = await api.get(f"/v1/movies/{movie['id']}/ratings", params={"sort": "-score"}, headers=member.headers)
    assert [item["user"]["id"] for item in ascending.json()["data"]] == [rater.id for rater in raters]
    assert [item["user"]["id"] for item in descending.json()["data"]] == [rater.id for rater in reversed(raters)]


async def test_movie_ratings_paging(api: httpx.AsyncClient, make_movie: MakeMovie, member: Account) -> None:
    movie = await make_movie()
    for score in (2, 4, 6, 8, 10):
        await rate(api, await create_account(api), movie["id"], score)
    pages = []
    for page in (1, 2, 3):
        response = await api.get(
            f"/v1/movies/{movie['id']}/ratings",
            params={"sort": "score", "page": page, "page_size": 2},
            headers=member.headers,
        )
        body = response.json()
        assert (body["page"], body["page_size"], body["total"]) == (page, 2, 5)
        pages.append([item["score"] for item in body["data"]])
    assert pages == [[2, 4], [6, 8], [10]]
    past_end = await api.get(
        f"/v1/movies/{movie['id']}/ratings", params={"page": 9, "page_size": 2}, headers=member.headers
    )
    assert past_end.status_code == 200
    assert past_end.json()["data"] == []
    assert past_end.json()["total"] == 5


async def test_a_movie_without_ratings_has_an_empty_page(
    api: httpx.AsyncClient, make_movie: MakeMovie, member: Account
) -> None:
    movie = await make_movie()
    response = await api.get(f"/v1/movies/{movie['id']}/ratings", headers=member.headers)
    assert response.json() == {"data": [], "page": 1, "page_size": 20, "total": 0}


@pytest.mark.parametrize("path", ["/v1/movies/{id}/ratings", "/v1/users/me/ratings", "/v1/users/{user}/ratings"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "password"}, "sort"),
        ({"sort": "-title"}, "sort"),
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
    ],
)
async def test_bad_query_parameters_are_422(
    api: httpx.AsyncClient, make_movie: MakeMovie, member: Account, path: str, params: dict[str, Any], field: str
) -> None:
    movie = await make_movie()
    response = await api.get(path.format(id=movie["id"], user=member.id), params=params, headers=member.headers)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert [item["field"] for item in error["details"]["fields"]] == [field]


async def test_user_ratings_profile_is_public_to_authenticated_users(
    api: httpx.AsyncClient, member: Account, other_member: Account, make_movie: MakeMovie
) -> None:
    first = await make_movie(title="Little Women", year=2019)
    second = await make_movie(title="Lady Bird", year=2017)
    await rate(api, member, first["id"], 9, "Warm")
    await rate(api, member, second["id"], 7)
    await rate(api, other_member, second["id"], 2)

    mine = await api.get("/v1/users/me/ratings", headers=member.headers)
    theirs = await api.get(f"/v1/users/{member.id}/ratings", headers=other_member.headers)
    assert mine.status_code == theirs.status_code == 200, (mine.text, theirs.text)
    assert mine.json() == theirs.json()
    body = mine.json()
    assert body["total"] == 2
    newest, oldest = body["data"]
    assert newest["movie"] == {"id": second["id"], "title": "Lady Bird", "year": 2017}
    assert (newest["score"], newest["review"]) == (7, None)
    assert oldest["movie"] == {"id": first["id"], "title": "Little Women", "year": 2019}
    assert (oldest["score"], oldest["review"]) == (9, "Warm")
    assert oldest["rated_at"].endswith("Z")

    by_score = await api.get("/v1/users/me/ratings", params={"sort": "score"}, headers=member.headers)
    assert [item["score"] for item in by_score.json()["data"]] == [7, 9]
    uppercase = await api.get(f"/v1/users/{member.id.upper()}/ratings", headers=other_member.headers)
    assert uppercase.json()["total"] == 2


async def test_user_ratings_resolve_titles_with_one_catalog_call_per_page(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        movie = await make_movie()
        await rate(api, member, movie["id"], 6)
    calls: list[list[str]] = []
    original = get_movie_summaries

    async def counting(movie_ids: list[str]) -> Any:
        calls.append(list(movie_ids))
        return await original(movie_ids)

    monkeypatch.setattr(_ratings, "get_movie_summaries", counting)
    response = await api.get("/v1/users/me/ratings", params={"page_size": 4}, headers=member.headers)
    assert len(response.json()["data"]) == 4
    assert [len(ids) for ids in calls] == [4]


async def test_user_without_ratings_and_unknown_user(api: httpx.AsyncClient, member: Account) -> None:
    empty = await api.get("/v1/users/me/ratings", headers=member.headers)
    assert empty.json() == {"data": [], "page": 1, "page_size": 20, "total": 0}
    nobody = await api.get("/v1/users/0123456789abcdef01234567/ratings", headers=member.headers)
    assert nobody.status_code == 404
    assert error_of(nobody)["code"] == "USER_NOT_FOUND"


@pytest.mark.parametrize("user_id", ["abc", "0123456789abcdef0123456z", "0123456789abcdef012345678"])
async def test_malformed_user_id_is_user_not_found(api: httpx.AsyncClient, member: Account, user_id: str) -> None:
    response = await api.get(f"/v1/users/{user_id}/ratings", headers=member.headers)
    assert response.status_code == 404
    assert error_of(response)["code"] == "USER_NOT_FOUND"
