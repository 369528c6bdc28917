"""Shared builders of the movie tests (no tests here): reference data through the catalog's
services, movies through the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from modules.catalog.services import ActorService, CountryService, DirectorService, GenreService
from tests.integration.accounts import Account

MISSING_ID = "0123456789abcdef01234567"
MALFORMED_IDS = ["abc", "0123456789abcdef0123456z", "0123456789abcdef012345678"]


@dataclass
class References:
    genres: dict[str, str] = field(default_factory=dict)
    directors: dict[str, str] = field(default_factory=dict)
    actors: dict[str, str] = field(default_factory=dict)
    countries: list[str] = field(default_factory=list)


async def make_references(
    genres: tuple[str, ...] = ("Drama", "Comedy", "Animation", "Thriller"),
    directors: tuple[str, ...] = ("Ron Clements", "Greta Gerwig"),
    actors: tuple[str, ...] = ("Auli'i Cravalho", "Dwayne Johnson", "Saoirse Ronan"),
    countries: tuple[str, ...] = ("US", "BR", "UA", "FR"),
) -> References:
    refs = References()
    for name in genres:
        refs.genres[name] = str((await GenreService().create(name)).id)
    for name in directors:
        refs.directors[name] = str((await DirectorService().create(name, None, None)).id)
    for name in actors:
        refs.actors[name] = str((await ActorService().create(name, None, None)).id)
    for code in countries:
        await CountryService().create(code, f"Country {code}")
        refs.countries.append(code)
    return refs


def movie_body(refs: References, title: str = "Moana", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": title,
        "release_date": "2016-11-23",
        "runtime_minutes": 107,
        "genre_ids": [refs.genres["Animation"]],
        "director_id": refs.directors["Ron Clements"],
        "synopsis": "A spirited teenager sails out on a daring mission to save her people.",
        "cast": [{"actor_id": refs.actors["Auli'i Cravalho"], "character": "Moana"}],
        "countries": ["US", "BR"],
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


async def create_movie(
    api: httpx.AsyncClient, account: Account, refs: References, title: str = "Moana", **overrides: Any
) -> dict[str, Any]:
    response = await api.post("/v1/movies", json=movie_body(refs, title, **overrides), headers=account.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def validation_fields(response: httpx.Response) -> list[str]:
    from tests.support import error_of

    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR", error
    return [item["field"] for item in error["details"]["fields"]]
