"""GET /v1/movies under a burst of identical requests on a cold cache (right after a write
replaced the stamps): one request reads MongoDB for the page, its ids, its total or its ranking;
the others answer with what it stored."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from modules.catalog.services._cache import MovieCache
from tests.integration.accounts import Account
from tests.integration.catalog.listing_support import catalog, list_movies
from tests.integration.catalog.test_movies_helpers import Catalog

__all__ = ["catalog"]  # fixture used here

BURST = 6


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each kind of value was read from MongoDB and stored, each made slow (the
    store follows the read: a burst arrives while the first request is still computing)."""
    counts: Counter[str] = Counter()
    for name in ("put_page", "put_page_ids", "put_total", "put_ranking"):
        original = getattr(MovieCache, name)

        def slowed(original: Any = original, name: str = name) -> Any:
            async def put(self: MovieCache, *args: Any) -> None:
                counts[name] += 1
                await asyncio.sleep(0.3)
                await original(self, *args)

            return put

        monkeypatch.setattr(MovieCache, name, slowed())
    return counts


async def burst(api: httpx.AsyncClient, member: Account, params: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return await asyncio.gather(*(list_movies(api, member, params) for _ in range(BURST)))


async def test_a_burst_on_a_hot_page_reads_it_once(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, computed: Counter[str]
) -> None:
    pages = await burst(api, member, [("genre", catalog.refs.genres["Animation"]), ("sort", "-year")])
    assert pages == [pages[0]] * BURST
    assert len(pages[0]["data"]) > 1
    assert computed == {"put_page": 1, "put_page_ids": 1, "put_total": 1}


async def test_a_burst_on_a_deep_sorted_page_reads_it_and_its_total_once(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, computed: Counter[str]
) -> None:
    params = [("year_from", 1900), ("sort", "title"), ("page", 2), ("page_size", 2)]
    pages = await burst(api, member, params)
    assert pages == [pages[0]] * BURST
    assert len(pages[0]["data"]) == 2
    assert computed == {"put_page_ids": 1, "put_total": 1}


async def test_a_burst_on_a_search_ranks_it_once(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, computed: Counter[str]
) -> None:
    pages = await burst(api, member, [("q", "ocean")])
    assert pages == [pages[0]] * BURST
    assert pages[0]["total"] >= 1
    assert computed == {"put_ranking": 1}
