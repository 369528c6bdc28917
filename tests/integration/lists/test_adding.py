"""POST /v1/users/{user_id}/{list}: the movie comes back; every error code of adding."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from bson import ObjectId

from tests.integration.accounts import Account
from tests.integration.lists.conftest import MakeMovie
from tests.support import error_of

LISTS = ["saved-movies", "favorites", "wishlist"]


@pytest.mark.parametrize("list_name", LISTS)
async def test_add_answers_201_with_the_movie(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie, list_name: str
) -> None:
    movie = await make_movie(countries=["US", "BR"], title="Moana", year=2016)
    response = await api.post(
        f"/v1/users/{member.id}/{list_name}", json={"movie_id": movie["id"], "country": "BR"}, headers=member.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert {key: body[key] for key in ("id", "title", "year", "countries", "country")} == {
        "id": movie["id"],
        "title": "Moana",
        "year": 2016,
        "countries": ["BR", "US"],
        "country": "BR",
    }
    assert body["date_added"].endswith("Z")
    listing = await api.get(f"/v1/users/me/{list_name}", params={"country": "BR"}, headers=member.headers)
    assert [item["id"] for item in listing.json()["data"]] == [movie["id"]]


@pytest.mark.parametrize("list_name", ["favorites", "wishlist"])
async def test_country_is_optional_outside_saved_movies(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie, list_name: str
) -> None:
    movie = await make_movie(countries=[])
    response = await api.post(f"/v1/users/me/{list_name}", json={"movie_id": movie["id"]}, headers=member.headers)
    assert response.status_code == 201, response.text
    assert response.json()["country"] is None


async def test_saved_movies_needs_a_country(api: httpx.AsyncClient, member: Account, make_movie: MakeMovie) -> None:
    movie = await make_movie()
    response = await api.post("/v1/users/me/saved-movies", json={"movie_id": movie["id"]}, headers=member.headers)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert [item["field"] for item in error["details"]["fields"]] == ["country"]


@pytest.mark.parametrize("list_name", LISTS)
async def test_unavailable_country_is_422(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie, list_name: str
) -> None:
    movie = await make_movie(countries=["US"])
    response = await api.post(
        f"/v1/users/me/{list_name}", json={"movie_id": movie["id"], "country": "FR"}, headers=member.headers
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "UNAVAILABLE_IN_COUNTRY"
    listing = await api.get(f"/v1/users/me/{list_name}", params={"country": "US"}, headers=member.headers)
    assert listing.json()["total"] == 0


@pytest.mark.parametrize("movie_id", [str(ObjectId()), "not-an-id", "A" * 64])
async def test_unknown_or_malformed_movie_is_404(api: httpx.AsyncClient, member: Account, movie_id: str) -> None:
    response = await api.post("/v1/users/me/favorites", json={"movie_id": movie_id}, headers=member.headers)
    assert response.status_code == 404
    assert error_of(response)["code"] == "MOVIE_NOT_FOUND"


async def test_saving_twice_is_409_duplicate_save(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie(countries=["US"])
    url = "/v1/users/me/saved-movies"
    first = await api.post(url, json={"movie_id": movie["id"], "country": "US"}, headers=member.headers)
    again = await api.post(url, json={"movie_id": movie["id"].upper(), "country": "US"}, headers=member.headers)
    assert first.status_code == 201
    assert again.status_code == 409
    assert error_of(again)["code"] == "DUPLICATE_SAVE"
    # the same movie in another list is fine
    other = await api.post("/v1/users/me/wishlist", json={"movie_id": movie["id"]}, headers=member.headers)
    assert other.status_code == 201


async def test_concurrent_duplicates_make_one_entry(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie(countries=["US"])
    responses = await asyncio.gather(
        *(api.post("/v1/users/me/favorites", json={"movie_id": movie["id"]}, headers=member.headers) for _ in range(20))
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 19
    assert {error_of(r)["code"] for r in responses if r.status_code == 409} == {"DUPLICATE_SAVE"}
    listing = await api.get("/v1/users/me/favorites", headers=member.headers)
    assert listing.json()["total"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "movie_id"),
        ({"movie_id": ""}, "movie_id"),
        ({"movie_id": "B" * 65}, "movie_id"),
        ({"movie_id": {"$ne": None}}, "movie_id"),
        ({"movie_id": "x", "country": "usa"}, "country"),
        ({"movie_id": "x", "country": "us"}, "country"),
        ({"movie_id": "x", "user_id": "someone"}, "user_id"),
    ],
)
async def test_invalid_bodies_are_422(
    api: httpx.AsyncClient, member: Account, body: dict[str, object], field: str
) -> None:
    response = await api.post("/v1/users/me/favorites", json=body, headers=member.headers)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [item["field"] for item in error["details"]["fields"]]


async def test_malformed_json_and_wrong_content_type(api: httpx.AsyncClient, member: Account) -> None:
    headers = {**member.headers, "Content-Type": "application/json"}
    broken = await api.post("/v1/users/me/favorites", content=b'{"movie_id": ', headers=headers)
    assert (broken.status_code, error_of(broken)["code"]) == (400, "BAD_REQUEST")
    text = await api.post(
        "/v1/users/me/favorites", content=b"movie_id=x", headers={**member.headers, "Content-Type": "text/plain"}
    )
    assert (text.status_code, error_of(text)["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
