"""Director and actor lists that do not read the whole collection per page.

The embedded server builds a sorted or counted result whole before it answers: a page of 10 000
people cost ~170 ms and its count ~120 ms, growing with the collection. So, as for movies
(``_window``, ``_cache``):

- **Totals** are cached in Redis per kind and filter under a *stamp* that every person write of
  that kind replaces after it reached MongoDB (a reader takes the stamp before it counts, so a
  count that raced a write is stored under a stamp nobody asks for any more).
- **Keyset windows**: after a full page, the ``name_key`` of its last person (rank
  ``skip + limit``) is remembered per kind, filter and rank. The next read of that page adds
  ``name_key`` at most that value: a prefix of the list's order (name, then id), so if it still
  yields a full page that page is exact whatever was written since; otherwise the page is read
  again without it. A stale bound costs speed, never correctness, so windows are not invalidated.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from app.kernel import runtime
from app.kernel.cache import Cache
from app.kernel.pagination import PageParams
from modules.catalog.services._cache import filter_key

STAMP_NAMESPACE = "people-stamp"
TOTAL_NAMESPACE = "people-total"
WINDOW_NAMESPACE = "people-window"
TOTAL_TTL_SECONDS = 600
WINDOW_TTL_SECONDS = 3_600
STAMP_TTL_SECONDS = 86_400  # longer than any total keyed by it
KINDS = ("directors", "actors")


def _cache() -> Cache:
    return Cache(runtime.current().redis)


async def people_changed(*kinds: str) -> None:
    """Call after people of ``kinds`` (``directors``, ``actors``; default both) were written:
    their cached totals are stale. One Redis round trip."""
    await _cache().set_many(STAMP_NAMESPACE, {kind: uuid.uuid4().hex for kind in kinds or KINDS}, ttl=STAMP_TTL_SECONDS)


async def people_page(
    kind: str,
    collection: AsyncCollection[dict[str, Any]],
    query: Mapping[str, Any],
    sort: Sequence[tuple[str, int]],
    paging: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    """The page (raw documents, sorted by ``name_key`` then id) and the exact total: two queries
    at once at most, the count only while no write replaced the kind's stamp."""
    key = filter_key(query)
    page, total = await asyncio.gather(
        _windowed(kind, key, collection, query, sort, paging), _total(kind, key, collection, query)
    )
    return page, total


async def _total(kind: str, key: str, collection: AsyncCollection[dict[str, Any]], query: Mapping[str, Any]) -> int:
    cache = _cache()
    stamp = str(await cache.get(STAMP_NAMESPACE, kind) or "0")
    cached = await cache.get(TOTAL_NAMESPACE, f"{kind}|{key}:{stamp}")
    if isinstance(cached, int) and not isinstance(cached, bool):
        return cached
    total = int(await collection.count_documents(dict(query)))
    await cache.set(TOTAL_NAMESPACE, f"{kind}|{key}:{stamp}", total, ttl=TOTAL_TTL_SECONDS)
    return total


async def _windowed(
    kind: str,
    key: str,
    collection: AsyncCollection[dict[str, Any]],
    query: Mapping[str, Any],
    sort: Sequence[tuple[str, int]],
    paging: PageParams,
) -> list[dict[str, Any]]:
    cache = _cache()
    window = f"{kind}|{key}|{paging.skip + paging.limit}"
    bound = await cache.get(WINDOW_NAMESPACE, window)
    found = isinstance(bound, str)
    page: list[dict[str, Any]] = []
    if found:
        # strictly below the next string up: the embedded server drops the entries equal to an
        # inclusive far bound on a compound index's second field (the prefix index's name_key)
        bounded = {**query, "name_key": {"$lt": f"{bound}\x00"}}
        page = await collection.find(bounded, sort=list(sort), skip=paging.skip, limit=paging.limit).to_list()
    if len(page) < paging.limit:
        # no window yet, or it no longer holds the whole page: the page from the full order
        page = await collection.find(dict(query), sort=list(sort), skip=paging.skip, limit=paging.limit).to_list()
    if len(page) == paging.limit:
        last = page[-1].get("name_key")
        if isinstance(last, str) and (not found or last != bound):
            await cache.set(WINDOW_NAMESPACE, window, last, ttl=WINDOW_TTL_SECONDS)
    return page
