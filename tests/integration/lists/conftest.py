"""Catalog state for the list tests, built through the catalog's API as an administrator."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.integration.accounts import Account

MakeMovie = Callable[..., Awaitable[dict[str, Any]]]
COUNTRIES = {"US": "United States", "BR": "Brazil", "FR": "France"}
_titles = itertools.count(1)


@pytest.fixture
async def make_movie(api: httpx.AsyncClient, admin: Account) -> MakeMovie:
    """``await make_movie(countries=[...], title=..., year=...)`` -> the created movie's detail."""
    for code, name in COUNTRIES.items():
        response = await api.post("/v1/countries", json={"code": code, "name": name}, headers=admin.headers)
        assert response.status_code == 201, response.text
    genre = await api.post("/v1/genres", json={"name": "Drama"}, headers=admin.headers)
    director = await api.post(
        "/v1/directors", json={"name": "Ron Clements", "date_of_birth": "1953-04-25"}, headers=admin.headers
    )
    assert genre.status_code == director.status_code == 201, (genre.text, director.text)

    async def create(countries: list[str] | None = None, title: str | None = None, year: int = 2016) -> dict[str, Any]:
        body = {
            "title": title or f"Film {next(_titles)}",
            "year": year,
            "runtime_minutes": 100,
            "genre_ids": [genre.json()["id"]],
            "director_id": director.json()["id"],
            "countries": countries if countries is not None else ["US"],
        }
        response = await api.post("/v1/movies", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return create
