"""Movies through HTTP: create, read (ETag/304), partial update (If-Match/version), delete."""

from __future__ import annotations

import httpx

from tests.integration.accounts import Account
from tests.integration.catalog.test_movies_helpers import create_movie, make_references


async def test_create_and_get(api: httpx.AsyncClient, member: Account) -> None:
    refs = await make_references()
    movie = await create_movie(api, member, refs)
    print(movie)
    response = await api.get(f"/v1/movies/{movie['id']}", headers=member.headers)
    assert response.status_code == 200
    assert response.json() == movie
    listing = await api.get("/v1/movies", headers=member.headers)
    print(listing.json())
