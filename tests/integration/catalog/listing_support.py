"""Shared fixture and readers of the movie-listing tests (no tests here): the known catalog of
``test_movies_helpers.build_catalog`` and GET /v1/movies as a body or as every matching id."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.integration.accounts import Account
from tests.integration.catalog.test_movies_helpers import Catalog, build_catalog


@pytest.fixture
async def catalog(api: httpx.AsyncClient, member: Account, other_member: Account, admin: Account) -> Catalog:
    return await build_catalog(api, member, other_member, admin)


async def list_movies(api: httpx.AsyncClient, account: Account, params: Any = ()) -> dict[str, Any]:
    response = await api.get(f"/v1/movies?{urlencode(params, doseq=True)}", headers=account.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def all_ids(api: httpx.AsyncClient, account: Account, params: Any = ()) -> list[str]:
    body = await list_movies(api, account, [*list(params), ("page_size", 100)])
    assert body["total"] == len(body["data"])
    return [item["id"] for item in body["data"]]
