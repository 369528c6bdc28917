"""PUT/GET/DELETE /v1/movies/{movie_id}/rating: status codes, shapes and every error code."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from app.kernel import runtime
from modules.ratings.documents import Rating
from tests.integration.accounts import Account
from tests.integration.ratings.conftest import MALFORMED_IDS, MISSING_ID, MakeMovie
from tests.support import error_of


async def test_first_put_is_201_then_200(api: httpx.AsyncClient, member: Account, make_movie: MakeMovie) -> None:
    movie = await make_movie()
    first = await api.put(
        f"/v1/movies/{movie['id']}/rating", json={"score": 8, "review": "Lovely."}, headers=member.headers
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert {key: body[key] for key in ("movie_id", "score", "review")} == {
        "movie_id": movie["id"],
        "score": 8,
        "review": "Lovely.",
    }
    assert body["rated_at"].endswith("Z")
    assert first.headers["location"] == f"/v1/movies/{movie['id']}/rating"

    second = await api.put(f"/v1/movies/{movie['id']}/rating", json={"score": 6}, headers=member.headers)
    assert second.status_code == 200, second.text
    assert second.json()["score"] == 6
    assert second.json()["review"] is None, "PUT replaces the rating: no review means no review"
    assert second.json()["rated_at"] == body["rated_at"], "rated_at is when the movie was first rated"
    assert second.json()["updated_at"] >= body["updated_at"]

    own = await api.get(f"/v1/movies/{movie['id']}/rating", headers=member.headers)
    assert own.status_code == 200
    assert own.json() == second.json()


async def test_uppercase_movie_id_is_the_same_movie(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    await api.put(f"/v1/movies/{movie['id'].upper()}/rating", json={"score": 3}, headers=member.headers)
    own = await api.get(f"/v1/movies/{movie['id']}/rating", headers=member.headers)
    assert own.status_code == 200, own.text
    assert own.json()["movie_id"] == movie["id"]


async def test_ratings_of_two_users_are_separate(
    api: httpx.AsyncClient, member: Account, other_member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    assert (
        await api.put(f"/v1/movies/{movie['id']}/rating", json={"score": 9}, headers=member.headers)
    ).status_code == 201
    assert (
        await api.put(f"/v1/movies/{movie['id']}/rating", json={"score": 2}, headers=other_member.headers)
    ).status_code == 201
    assert (await api.get(f"/v1/movies/{movie['id']}/rating", headers=member.headers)).json()["score"] == 9
    assert (await api.get(f"/v1/movies/{movie['id']}/rating", headers=other_member.headers)).json()["score"] == 2


async def test_twenty_concurrent_puts_make_one_rating(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie
) -> None:
    for _ in range(3):  # a few rounds: the race is in the timing
        movie = await make_movie()
        responses = await asyncio.gather(
            *(
                api.put(f"/v1/movies/{movie['id']}/rating", json={"score": 1 + n % 10}, headers=member.headers)
                for n in range(20)
            )
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] * 19 + [201], [response.text for response in responses]
        assert len({response.json()["rated_at"] for response in responses}) == 1
        assert await Rating.find({"movie_id": movie["id"], "user_id": member.id}).count() == 1
        listing = await api.get(f"/v1/movies/{movie['id']}/ratings", headers=member.headers)
        assert listing.json()["total"] == 1


async def test_get_own_rating_not_rated(api: httpx.AsyncClient, member: Account, make_movie: MakeMovie) -> None:
    movie = await make_movie()
    response = await api.get(f"/v1/movies/{movie['id']}/rating", headers=member.headers)
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_RATED"


async def test_delete_rating_then_not_rated(api: httpx.AsyncClient, member: Account, make_movie: MakeMovie) -> None:
    movie = await make_movie()
    await api.put(f"/v1/movies/{movie['id']}/rating", json={"score": 5}, headers=member.headers)
    deleted = await api.delete(f"/v1/movies/{movie['id']}/rating", headers=member.headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    again = await api.delete(f"/v1/movies/{movie['id']}/rating", headers=member.headers)
    assert again.status_code == 404
    assert error_of(again)["code"] == "NOT_RATED"
    assert (await api.get(f"/v1/movies/{movie['id']}/rating", headers=member.headers)).status_code == 404
    recreated = await api.put(f"/v1/movies/{movie['id']}/rating", json={"score": 7}, headers=member.headers)
    assert recreated.status_code == 201


async def test_delete_does_not_touch_other_users_rating(
    api: httpx.AsyncClient, member: Account, other_member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    await api.put(f"/v1/movies/{movie['id']}/rating", json={"score": 5}, headers=other_member.headers)
    response = await api.delete(f"/v1/movies/{movie['id']}/rating", headers=member.headers)
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_RATED"
    assert (await api.get(f"/v1/movies/{movie['id']}/rating", headers=other_member.headers)).status_code == 200


ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("PUT", "/v1/movies/{id}/rating", {"score": 5}),
    ("GET", "/v1/movies/{id}/rating", None),
    ("DELETE", "/v1/movies/{id}/rating", None),
    ("GET", "/v1/movies/{id}/ratings", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize("movie_id", [MISSING_ID, *MALFORMED_IDS])
async def test_unknown_or_malformed_movie_is_movie_not_found(
    api: httpx.AsyncClient, member: Account, method: str, path: str, body: dict[str, Any] | None, movie_id: str
) -> None:
    response = await api.request(method, path.format(id=movie_id), json=body, headers=member.headers)
    assert response.status_code == 404, response.text
    assert error_of(response)["code"] == "MOVIE_NOT_FOUND"


@pytest.mark.parametrize(("method", "path", "body"), [*ROUTES, ("GET", "/v1/users/me/ratings", None)])
async def test_every_route_needs_a_token(
    api: httpx.AsyncClient, make_movie: MakeMovie, method: str, path: str, body: dict[str, Any] | None
) -> None:
    movie = await make_movie()
    response = await api.request(method, path.format(id=movie["id"]), json=body)
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "score"),
        ({"score": 0}, "score"),
        ({"score": 11}, "score"),
        ({"score": -3}, "score"),
        ({"score": 7.5}, "score"),
        ({"score": 7.0}, "score"),
        ({"score": "7"}, "score"),
        ({"score": True}, "score"),
        ({"score": None}, "score"),
        ({"score": 7, "review": "x" * 2001}, "review"),
        ({"score": 7, "review": 42}, "review"),
        ({"score": 7, "user_id": "0123456789abcdef01234567"}, "user_id"),
        ({"score": 7, "rated_at": "2020-01-01T00:00:00Z"}, "rated_at"),
    ],
)
async def test_invalid_bodies_are_422(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie, body: dict[str, Any], field: str
) -> None:
    movie = await make_movie()
    response = await api.put(f"/v1/movies/{movie['id']}/rating", json=body, headers=member.headers)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [item["field"] for item in error["details"]["fields"]], error
    assert await Rating.find({"movie_id": movie["id"]}).count() == 0


async def test_review_limits(api: httpx.AsyncClient, member: Account, make_movie: MakeMovie) -> None:
    movie = await make_movie()
    longest = await api.put(
        f"/v1/movies/{movie['id']}/rating", json={"score": 10, "review": "é" * 2000}, headers=member.headers
    )
    assert longest.status_code == 201, longest.text
    assert longest.json()["review"] == "é" * 2000
    blank = await api.put(
        f"/v1/movies/{movie['id']}/rating", json={"score": 10, "review": "   "}, headers=member.headers
    )
    assert blank.status_code == 200
    assert blank.json()["review"] is None
    explicit_null = await api.put(
        f"/v1/movies/{movie['id']}/rating", json={"score": 1, "review": None}, headers=member.headers
    )
    assert explicit_null.status_code == 200
    assert explicit_null.json()["score"] == 1


async def test_malformed_json_and_wrong_content_type(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    path = f"/v1/movies/{movie['id']}/rating"
    broken = await api.put(path, content=b'{"score": ', headers={**member.headers, "content-type": "application/json"})
    assert broken.status_code == 400
    assert error_of(broken)["code"] == "BAD_REQUEST"
    form = await api.put(path, content=b"score=5", headers={**member.headers, "content-type": "text/plain"})
    assert form.status_code == 415
    assert error_of(form)["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_inactive_accounts_read_ratings_but_cannot_rate_with_require_activation(
    api: httpx.AsyncClient, make_movie: MakeMovie, member: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    movie = await make_movie()
    await api.put(f"/v1/movies/{movie['id']}/rating", json={"score": 6}, headers=member.headers)
    monkeypatch.setattr(runtime.current().settings, "require_activation", True)
    for method, body in (("PUT", {"score": 5}), ("DELETE", None)):
        response = await api.request(method, f"/v1/movies/{movie['id']}/rating", json=body, headers=member.headers)
        assert response.status_code == 403, response.text
        assert error_of(response)["code"] == "FORBIDDEN"
    assert (await api.get(f"/v1/movies/{movie['id']}/rating", headers=member.headers)).json()["score"] == 6
    assert (await api.get(f"/v1/movies/{movie['id']}/ratings", headers=member.headers)).json()["total"] == 1
