"""PATCH /v1/movies/{id}: partial updates, dates, references, If-Match / body version, races."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from modules.catalog import MOVIE_AVAILABILITY_CHANGED
from tests.integration.accounts import Account
from tests.integration.catalog.test_movies_helpers import (
    MISSING_ID,
    References,
    create_movie,
    events,
    names_field,
    refs,
    validation_fields,
)
from tests.support import error_of

__all__ = ["events", "refs"]  # fixtures used here


async def test_patch_changes_only_what_is_sent(api: httpx.AsyncClient, member: Account, refs: References) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    response = await api.patch(url, json={"title": "Moana (2016)"}, headers=member.headers)
    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    updated = response.json()
    assert updated["version"] == 2
    assert updated["title"] == "Moana (2016)"
    assert updated["updated_at"] > movie["updated_at"]
    unchanged = {key: value for key, value in updated.items() if key not in {"title", "version", "updated_at"}}
    assert unchanged == {key: value for key, value in movie.items() if key not in {"title", "version", "updated_at"}}

    response = await api.patch(
        url,
        json={
            "genre_ids": [refs.genres["Drama"]],
            "director_id": refs.directors["Greta Gerwig"],
            "cast": [{"actor_id": refs.actors["Saoirse Ronan"], "character": "Jo"}],
            "countries": ["FR"],
            "synopsis": None,
            "runtime_minutes": 135,
        },
        headers=member.headers,
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated["genres"] == [{"id": refs.genres["Drama"], "name": "Drama"}]
    assert updated["director"] == {"id": refs.directors["Greta Gerwig"], "name": "Greta Gerwig"}
    assert updated["cast"] == [{"actor_id": refs.actors["Saoirse Ronan"], "name": "Saoirse Ronan", "character": "Jo"}]
    assert (updated["countries"], updated["synopsis"], updated["runtime_minutes"]) == (["FR"], None, 135)
    assert updated["version"] == 3
    assert (await api.get(url, headers=member.headers)).json() == updated


async def test_patch_dates(api: httpx.AsyncClient, member: Account, refs: References) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"

    async def patch(body: dict[str, Any]) -> dict[str, Any]:
        response = await api.patch(url, json=body, headers=member.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    same_year = await patch({"year": 2016})
    assert (same_year["year"], same_year["release_date"]) == (2016, "2016-11-23")
    other_year = await patch({"year": 2017})
    assert (other_year["year"], other_year["release_date"]) == (2017, None)
    dated = await patch({"release_date": "2018-01-02"})
    assert (dated["year"], dated["release_date"]) == (2018, "2018-01-02")
    undated = await patch({"release_date": None})
    assert (undated["year"], undated["release_date"]) == (2018, None)
    mismatch = await api.patch(url, json={"release_date": "2018-01-02", "year": 2019}, headers=member.headers)
    assert "year" in validation_fields(mismatch)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"version": 1}, "body"),
        ({"title": None}, "title"),
        ({"title": " "}, "title"),
        ({"title": "t" * 10_000}, "title"),
        ({"year": None}, "year"),
        ({"runtime_minutes": 0}, "runtime_minutes"),
        ({"genre_ids": []}, "genre_ids"),
        ({"genre_ids": None}, "genre_ids"),
        ({"director_id": None}, "director_id"),
        ({"countries": None}, "countries"),
        ({"countries": ["fr"]}, "countries"),
        ({"cast": None}, "cast"),
        ({"version": 0}, "version"),
        ({"version": "1"}, "version"),
        ({"id": MISSING_ID}, "id"),
        ({"created_by_id": MISSING_ID}, "created_by_id"),
        ({"rating": {"average": 10, "count": 1}}, "rating"),
    ],
)
async def test_patch_validation(
    api: httpx.AsyncClient, member: Account, refs: References, body: dict[str, Any], field: str
) -> None:
    movie = await create_movie(api, member, refs)
    response = await api.patch(f"/v1/movies/{movie['id']}", json=body, headers=member.headers)
    assert names_field(validation_fields(response), field)


async def test_patch_checks_references_and_title(api: httpx.AsyncClient, member: Account, refs: References) -> None:
    await create_movie(api, member, refs, "Taken")
    movie = await create_movie(api, member, refs, "Free")
    url = f"/v1/movies/{movie['id']}"
    for body, field in [
        ({"genre_ids": [MISSING_ID]}, "genre_ids"),
        ({"director_id": MISSING_ID}, "director_id"),
        ({"cast": [{"actor_id": MISSING_ID, "character": "Nobody"}]}, "cast"),
        ({"countries": ["ZZ"]}, "countries"),
    ]:
        response = await api.patch(url, json=body, headers=member.headers)
        assert response.status_code == 422
        error = error_of(response)
        assert (error["code"], error["details"]["field"]) == ("REFERENCE_NOT_FOUND", field)
    clash = await api.patch(url, json={"title": "TAKEN"}, headers=member.headers)
    assert clash.status_code == 409
    assert error_of(clash)["code"] == "TITLE_TAKEN"
    recased = await api.patch(url, json={"title": "FREE"}, headers=member.headers)
    assert recased.status_code == 200
    assert recased.json()["title"] == "FREE"
    assert recased.json()["version"] == 2


async def test_if_match_and_body_version(api: httpx.AsyncClient, member: Account, refs: References) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    ok = await api.patch(url, json={"runtime_minutes": 100}, headers={**member.headers, "If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    for headers, body in [
        ({"If-Match": '"1"'}, {"runtime_minutes": 90}),
        ({"If-Match": "garbage"}, {"runtime_minutes": 90}),
        ({}, {"runtime_minutes": 90, "version": 1}),
        ({"If-Match": '"2"'}, {"runtime_minutes": 90, "version": 1}),
    ]:
        response = await api.patch(url, json=body, headers={**member.headers, **headers})
        assert response.status_code == 409, (headers, body)
        assert error_of(response)["code"] == "EDIT_CONFLICT"
    current = (await api.get(url, headers=member.headers)).json()
    assert (current["version"], current["runtime_minutes"]) == (2, 100)

    by_body = await api.patch(url, json={"runtime_minutes": 95, "version": 2}, headers=member.headers)
    assert by_body.status_code == 200
    assert by_body.json()["version"] == 3
    wildcard = await api.patch(url, json={"runtime_minutes": 96}, headers={**member.headers, "If-Match": "*"})
    assert wildcard.status_code == 200
    weak = await api.patch(url, json={"runtime_minutes": 97}, headers={**member.headers, "If-Match": 'W/"4"'})
    assert weak.status_code == 200
    assert weak.json()["version"] == 5


async def test_concurrent_patches_of_one_version(api: httpx.AsyncClient, member: Account, refs: References) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    responses = await asyncio.gather(
        *(
            api.patch(url, json={"runtime_minutes": 100 + i}, headers={**member.headers, "If-Match": '"1"'})
            for i in range(8)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * 7
    winner = next(response.json() for response in responses if response.status_code == 200)
    assert winner["version"] == 2
    assert (await api.get(url, headers=member.headers)).json() == winner


async def test_availability_change_is_announced(
    api: httpx.AsyncClient, member: Account, refs: References, events: list[tuple[str, dict[str, Any]]]
) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    await api.patch(url, json={"title": "Still available", "countries": ["BR", "US"]}, headers=member.headers)
    assert events == []
    await api.patch(url, json={"countries": ["UA"]}, headers=member.headers)
    assert events == [(MOVIE_AVAILABILITY_CHANGED, {"movie_id": movie["id"], "countries": ["UA"]})]
