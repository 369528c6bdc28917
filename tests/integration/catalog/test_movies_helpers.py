"""Shared builders and fixtures of the movie tests (no tests here): reference data through the
catalog's services, movies through the API. Test modules import the fixtures they use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from app.kernel import runtime
from app.kernel.events import bus
from modules.catalog import MOVIE_AVAILABILITY_CHANGED, MOVIE_DELETED, set_rating_aggregate
from modules.catalog.services import ActorService, CountryService, DirectorService, GenreService
from tests.integration.accounts import Account, create_account

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


def names_field(fields: list[str], field: str) -> bool:
    """``field`` itself, or one of its items (``genre_ids.0``), is among the reported fields."""
    return any(name == field or name.startswith(f"{field}.") for name in fields)


@dataclass
class Catalog:
    refs: References
    movies: dict[str, dict[str, Any]]  # by title
    ratings: dict[str, float]  # title -> average

    def ids(self, *titles: str) -> set[str]:
        return {self.movies[title]["id"] for title in titles}

    def id_of(self, title: str) -> str:
        return str(self.movies[title]["id"])

    def title_of(self, movie_id: str) -> str:
        return next(title for title, movie in self.movies.items() if movie["id"] == movie_id)


async def build_catalog(api: httpx.AsyncClient, member: Account, other: Account, admin: Account) -> Catalog:
    refs = await make_references()
    g, d, a = refs.genres, refs.directors, refs.actors
    ron, greta = d["Ron Clements"], d["Greta Gerwig"]
    specs: list[tuple[Account, str, dict[str, Any]]] = [
        (
            member,
            "Moana",
            {
                "release_date": "2016-11-23",
                "runtime_minutes": 107,
                "genre_ids": [g["Animation"], g["Comedy"]],
                "director_id": ron,
                "countries": ["US", "BR"],
                "synopsis": "A voyage across the ocean to a cursed island.",
                "cast": [
                    {"actor_id": a["Auli'i Cravalho"], "character": "Moana"},
                    {"actor_id": a["Dwayne Johnson"], "character": "Maui"},
                ],
            },
        ),
        (
            member,
            "Little Women",
            {
                "release_date": "2019-12-25",
                "runtime_minutes": 135,
                "genre_ids": [g["Drama"]],
                "director_id": greta,
                "countries": ["US", "FR"],
                "synopsis": "Four sisters grow up.",
                "cast": [{"actor_id": a["Saoirse Ronan"], "character": "Jo"}],
            },
        ),
        (
            other,
            "Lady Bird",
            {
                "release_date": ...,
                "year": 2017,
                "runtime_minutes": 94,
                "genre_ids": [g["Drama"], g["Comedy"]],
                "director_id": greta,
                "countries": ["US"],
                "synopsis": "A senior year in Sacramento.",
                "cast": [{"actor_id": a["Saoirse Ronan"], "character": "Christine"}],
            },
        ),
        (
            other,
            "Hercules",
            {
                "release_date": "1997-06-27",
                "runtime_minutes": 93,
                "genre_ids": [g["Animation"], g["Comedy"]],
                "director_id": ron,
                "countries": ["US", "UA"],
                "synopsis": "A hero's journey (on Olympus).",
                "cast": [{"actor_id": a["Dwayne Johnson"], "character": "Hercules"}],
            },
        ),
        (
            admin,
            "The Ocean Thriller",
            {
                "release_date": "2016-05-01",
                "runtime_minutes": 120,
                "genre_ids": [g["Thriller"]],
                "director_id": ron,
                "countries": ["BR"],
                "synopsis": "Deep water, deeper secrets.",
                "cast": [],
            },
        ),
        (
            admin,
            "Barbie",
            {
                "release_date": "2023-07-21",
                "runtime_minutes": 114,
                "genre_ids": [g["Comedy"]],
                "director_id": greta,
                "countries": ["US", "UA", "FR"],
                "synopsis": "Plastic life, real ocean of feelings.",
                "cast": [],
            },
        ),
        (
            admin,
            "aladdin",
            {
                "release_date": "1992-11-25",
                "runtime_minutes": 90,
                "genre_ids": [g["Animation"]],
                "director_id": ron,
                "countries": [],
                "synopsis": None,
                "cast": [{"actor_id": a["Auli'i Cravalho"], "character": "Extra"}],
            },
        ),
        (
            member,
            "Moana 2",
            {
                "release_date": "2024-11-27",
                "runtime_minutes": 107,
                "genre_ids": [g["Animation"]],
                "director_id": ron,
                "countries": ["US"],
                "synopsis": "Moana sails again.",
                "cast": [{"actor_id": a["Auli'i Cravalho"], "character": "Moana"}],
            },
        ),
    ]
    movies = {}
    for account, title, fields in specs:
        movies[title] = await create_movie(api, account, refs, title, **fields)
    ratings = {"Moana": 7.6, "Little Women": 8.2, "Lady Bird": 7.6, "Hercules": 6.0}
    for title, average in ratings.items():
        await set_rating_aggregate(movies[title]["id"], average, 10, {"7": 4, "8": 6})
    return Catalog(refs, movies, ratings)


@pytest.fixture
async def refs(api: httpx.AsyncClient) -> References:
    return await make_references()


@pytest.fixture
async def reader(api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> Account:
    """A member with movies:read only."""
    monkeypatch.setattr(runtime.current().settings, "default_user_permissions", ["movies:read"])
    account = await create_account(api, "reader")
    monkeypatch.undo()
    return account


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every movie event published during the test, in order."""
    seen: list[tuple[str, dict[str, Any]]] = []
    for name in (MOVIE_DELETED, MOVIE_AVAILABILITY_CHANGED):

        async def record(payload: dict[str, Any], name: str = name) -> None:
            seen.append((name, payload))

        monkeypatch.setitem(bus._listeners, name, [*bus.listeners(name), record])
    return seen
