"""Movies through HTTP: create, authorisation, read (ETag/304), delete."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from modules.catalog import MOVIE_DELETED
from tests.integration.accounts import Account
from tests.integration.catalog.test_movies_helpers import (
    MALFORMED_IDS,
    MISSING_ID,
    References,
    create_movie,
    events,
    movie_body,
    names_field,
    reader,
    refs,
    validation_fields,
)
from tests.support import error_of

__all__ = ["events", "reader", "refs"]  # fixtures used here

DETAIL_KEYS = {
    "id",
    "title",
    "synopsis",
    "release_date",
    "year",
    "runtime_minutes",
    "genres",
    "director",
    "cast",
    "countries",
    "rating",
    "created_by",
    "created_at",
    "updated_at",
    "version",
}


# --- create -------------------------------------------------------------------------------------


async def test_create_answers_the_detail_with_names_resolved(
    api: httpx.AsyncClient, member: Account, refs: References
) -> None:
    body = movie_body(
        refs,
        genre_ids=[refs.genres["Animation"], refs.genres["Comedy"]],
        cast=[
            {"actor_id": refs.actors["Auli'i Cravalho"], "character": "Moana"},
            {"actor_id": refs.actors["Dwayne Johnson"], "character": "Maui"},
        ],
    )
    response = await api.post("/v1/movies", json=body, headers=member.headers)
    assert response.status_code == 201, response.text
    movie = response.json()
    assert set(movie) == DETAIL_KEYS
    assert response.headers["location"] == f"/v1/movies/{movie['id']}"
    assert response.headers["etag"] == '"1"'
    assert movie["title"] == "Moana"
    assert movie["release_date"] == "2016-11-23"
    assert movie["year"] == 2016
    assert movie["runtime_minutes"] == 107
    assert movie["genres"] == [
        {"id": refs.genres["Animation"], "name": "Animation"},
        {"id": refs.genres["Comedy"], "name": "Comedy"},
    ]
    assert movie["director"] == {"id": refs.directors["Ron Clements"], "name": "Ron Clements"}
    assert movie["cast"] == [
        {"actor_id": refs.actors["Auli'i Cravalho"], "name": "Auli'i Cravalho", "character": "Moana"},
        {"actor_id": refs.actors["Dwayne Johnson"], "name": "Dwayne Johnson", "character": "Maui"},
    ]
    assert movie["countries"] == ["US", "BR"]
    assert movie["rating"] == {"average": None, "count": 0, "distribution": {str(n): 0 for n in range(1, 11)}}
    assert movie["created_by"] == {"id": member.id, "username": "alice"}
    assert movie["version"] == 1
    assert movie["created_at"].endswith("Z")
    assert movie["created_at"] == movie["updated_at"]

    fetched = await api.get(f"/v1/movies/{movie['id']}", headers=member.headers)
    assert fetched.status_code == 200
    assert fetched.json() == movie
    assert fetched.headers["etag"] == '"1"'


async def test_create_derives_year_or_leaves_release_date_null(
    api: httpx.AsyncClient, member: Account, refs: References
) -> None:
    only_year = await create_movie(api, member, refs, "Old One", release_date=..., year=1999)
    assert (only_year["year"], only_year["release_date"]) == (1999, None)
    both = await create_movie(api, member, refs, "Both", release_date="2001-02-03", year=2001)
    assert (both["year"], both["release_date"]) == (2001, "2001-02-03")
    trimmed = await create_movie(api, member, refs, "  Spaces  ", synopsis="   ", cast=[], countries=[])
    assert trimmed["title"] == "Spaces"
    assert trimmed["synopsis"] is None
    assert (trimmed["cast"], trimmed["countries"]) == ([], [])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ...}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "x" * 10_000}, "title"),
        ({"title": {"$gt": ""}}, "title"),
        ({"release_date": ..., "year": ...}, "year"),
        ({"release_date": "2016-11-23", "year": 2015}, "year"),
        ({"release_date": "2016-13-01"}, "release_date"),
        ({"release_date": "1800-01-01"}, "release_date"),
        ({"release_date": ..., "year": 1877}, "year"),
        ({"release_date": ..., "year": 2101}, "year"),
        ({"release_date": ..., "year": "2016"}, "year"),
        ({"runtime_minutes": ...}, "runtime_minutes"),
        ({"runtime_minutes": 0}, "runtime_minutes"),
        ({"runtime_minutes": -5}, "runtime_minutes"),
        ({"runtime_minutes": 1001}, "runtime_minutes"),
        ({"runtime_minutes": 10.5}, "runtime_minutes"),
        ({"runtime_minutes": "107"}, "runtime_minutes"),
        ({"genre_ids": ...}, "genre_ids"),
        ({"genre_ids": []}, "genre_ids"),
        ({"genre_ids": ["not-an-id"]}, "genre_ids"),
        ({"genre_ids": [MISSING_ID, MISSING_ID]}, "genre_ids"),
        ({"director_id": ...}, "director_id"),
        ({"director_id": "xyz"}, "director_id"),
        ({"director_id": {"$ne": None}}, "director_id"),
        ({"synopsis": "s" * 5001}, "synopsis"),
        ({"cast": [{"actor_id": MISSING_ID}]}, "cast.0.character"),
        ({"cast": [{"actor_id": MISSING_ID, "character": " "}]}, "cast.0.character"),
        ({"cast": [{"actor_id": MISSING_ID, "character": "c" * 201}]}, "cast.0.character"),
        ({"cast": [{"actor_id": MISSING_ID, "character": "X", "billing": 1}]}, "cast.0.billing"),
        ({"cast": [{"actor_id": MISSING_ID, "character": "X"}] * 201}, "cast"),
        ({"countries": ["us"]}, "countries"),
        ({"countries": ["USA"]}, "countries"),
        ({"countries": ["US", "US"]}, "countries"),
        ({"rating": {"average": 10}}, "rating"),
        ({"created_by": {"id": MISSING_ID, "username": "x"}}, "created_by"),
        ({"version": 7}, "version"),
    ],
)
async def test_create_validation(
    api: httpx.AsyncClient, member: Account, refs: References, overrides: dict[str, Any], field: str
) -> None:
    response = await api.post("/v1/movies", json=movie_body(refs, **overrides), headers=member.headers)
    assert names_field(validation_fields(response), field)


async def test_malformed_bodies(api: httpx.AsyncClient, member: Account) -> None:
    broken = await api.post(
        "/v1/movies", content=b'{"title": ', headers={**member.headers, "content-type": "application/json"}
    )
    assert broken.status_code == 400
    assert error_of(broken)["code"] == "BAD_REQUEST"
    form = await api.post("/v1/movies", data={"title": "x"}, headers=member.headers)
    assert form.status_code == 415
    assert error_of(form)["code"] == "UNSUPPORTED_MEDIA_TYPE"
    huge = await api.post(
        "/v1/movies",
        content=b'{"title": "' + b"x" * (1024 * 1024 + 10) + b'"}',
        headers={**member.headers, "content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert error_of(huge)["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"genre_ids": ["Animation", MISSING_ID]}, "genre_ids"),
        ({"director_id": MISSING_ID}, "director_id"),
        ({"cast": [{"actor_id": MISSING_ID, "character": "Ghost"}]}, "cast"),
        ({"countries": ["US", "DE"]}, "countries"),
    ],
)
async def test_create_with_missing_references(
    api: httpx.AsyncClient, member: Account, refs: References, overrides: dict[str, Any], field: str
) -> None:
    if "genre_ids" in overrides:
        overrides = {"genre_ids": [refs.genres["Animation"], MISSING_ID]}
    response = await api.post("/v1/movies", json=movie_body(refs, **overrides), headers=member.headers)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "REFERENCE_NOT_FOUND"
    assert error["details"]["field"] == field
    listing = await api.get("/v1/movies", headers=member.headers)
    assert listing.json()["total"] == 0


async def test_title_is_unique_case_insensitively(api: httpx.AsyncClient, member: Account, refs: References) -> None:
    await create_movie(api, member, refs, "Moana")
    for title in ("MOANA", " moana ", "Moana"):
        response = await api.post("/v1/movies", json=movie_body(refs, title), headers=member.headers)
        assert response.status_code == 409
        assert error_of(response)["code"] == "TITLE_TAKEN"
    await create_movie(api, member, refs, "Moana 2")


async def test_concurrent_creates_of_one_title(api: httpx.AsyncClient, member: Account, refs: References) -> None:
    responses = await asyncio.gather(
        *(api.post("/v1/movies", json=movie_body(refs, "Race"), headers=member.headers) for _ in range(6))
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5


# --- authorisation ------------------------------------------------------------------------------


async def test_anonymous_is_401_everywhere(api: httpx.AsyncClient, member: Account, refs: References) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    for method, path, body in [
        ("GET", "/v1/movies", None),
        ("POST", "/v1/movies", movie_body(refs, "Other")),
        ("GET", url, None),
        ("PATCH", url, {"title": "x"}),
        ("DELETE", url, None),
    ]:
        response = await api.request(method, path, json=body)
        assert response.status_code == 401, (method, path)
        assert error_of(response)["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_create_needs_movies_write(
    api: httpx.AsyncClient, member: Account, reader: Account, refs: References
) -> None:
    response = await api.post("/v1/movies", json=movie_body(refs), headers=reader.headers)
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"
    movie = await create_movie(api, member, refs)
    assert (await api.get(f"/v1/movies/{movie['id']}", headers=reader.headers)).status_code == 200
    assert (await api.get("/v1/movies", headers=reader.headers)).json()["total"] == 1


async def test_only_the_creator_or_an_admin_edits_and_deletes(
    api: httpx.AsyncClient, member: Account, other_member: Account, admin: Account, refs: References
) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    for response in (
        await api.patch(url, json={"title": "Mine now"}, headers=other_member.headers),
        await api.delete(url, headers=other_member.headers),
    ):
        assert response.status_code == 403
        assert error_of(response)["code"] == "FORBIDDEN"

    by_creator = await api.patch(url, json={"runtime_minutes": 108}, headers=member.headers)
    assert by_creator.status_code == 200
    by_admin = await api.patch(url, json={"runtime_minutes": 109}, headers=admin.headers)
    assert by_admin.status_code == 200
    assert by_admin.json()["version"] == 3
    assert by_admin.json()["created_by"] == {"id": member.id, "username": "alice"}

    assert (await api.delete(url, headers=admin.headers)).status_code == 204
    own = await create_movie(api, other_member, refs, "Bob's")
    assert (await api.delete(f"/v1/movies/{own['id']}", headers=other_member.headers)).status_code == 204


# --- read, ETag ---------------------------------------------------------------------------------


@pytest.mark.parametrize("movie_id", [MISSING_ID, *MALFORMED_IDS])
async def test_unknown_or_malformed_ids_are_404(api: httpx.AsyncClient, admin: Account, movie_id: str) -> None:
    url = f"/v1/movies/{movie_id}"
    for response in (
        await api.get(url, headers=admin.headers),
        await api.patch(url, json={"title": "x"}, headers=admin.headers),
        await api.delete(url, headers=admin.headers),
    ):
        assert response.status_code == 404
        assert error_of(response)["code"] == "MOVIE_NOT_FOUND"


async def test_etag_and_if_none_match(api: httpx.AsyncClient, member: Account, refs: References) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    for header in ('"1"', 'W/"1"', '"7", "1"', "*"):
        response = await api.get(url, headers={**member.headers, "If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == '"1"'
    for header in ('"2"', "1", "garbage"):
        response = await api.get(url, headers={**member.headers, "If-None-Match": header})
        assert response.status_code == 200, header
        assert response.json() == movie

    await api.patch(url, json={"title": "Moana!"}, headers=member.headers)
    stale = await api.get(url, headers={**member.headers, "If-None-Match": '"1"'})
    assert stale.status_code == 200
    assert stale.headers["etag"] == '"2"'
    assert stale.json()["title"] == "Moana!"
    fresh = await api.get(url, headers={**member.headers, "If-None-Match": '"2"'})
    assert fresh.status_code == 304


# --- delete -------------------------------------------------------------------------------------


async def test_delete_announces_movie_deleted(
    api: httpx.AsyncClient, member: Account, refs: References, events: list[tuple[str, dict[str, Any]]]
) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    assert (await api.get(url, headers=member.headers)).status_code == 200  # now cached
    response = await api.delete(url, headers=member.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert events == [(MOVIE_DELETED, {"movie_id": movie["id"]})]
    gone = await api.get(url, headers=member.headers)
    assert gone.status_code == 404
    assert error_of(gone)["code"] == "MOVIE_NOT_FOUND"
    assert (await api.delete(url, headers=member.headers)).status_code == 404
    assert (await api.get("/v1/movies", headers=member.headers)).json()["total"] == 0
    assert len(events) == 1
