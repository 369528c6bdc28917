"""Director and actor lists that do not read the whole collection per page.

The embedded server builds a sorted or counted result whole before it answers: a page of 10 000
people cost ~170 ms and its count ~120 ms, growing with the collection. So, as for movies
(``_window``, ``_cache``):

- **Totals** are cached in Redis per kind and filter under a *stamp* that every person write of
  that kind replaces after it reached MongoDB (a reader takes the stamp before it counts, so a
  count that raced a write is stored under a stamp nobody asks for any more); on a miss one
  request counts while the others wait for what it stores.
- **Keyset windows**: after a full page, the ``name_key`` of its last person (rank
  ``skip + limit``) is remembered per kind, filter and rank. The next read of that page adds
  ``name_key`` at most that value: a prefix of the list's order (name, then id), so if it still
  yields a full page that page is exact whatever was written since; otherwise the page is read
  again without it. A stale bound costs speed, never correctness, so windows are not invalidated.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from app.kernel import runtime
from app.kernel.cache import Cache
from app.kernel.pagination import PageParams
from modules.catalog.services._cache import filter_key
from modules.catalog.services._window import WindowStore, beyond

STAMP_NAMESPACE = "people-stamp"
TOTAL_NAMESPACE = "people-total"
WINDOW_NAMESPACE = "people-window"
TOTAL_TTL_SECONDS = 600
STAMP_TTL_SECONDS = 86_400  # longer than any total keyed by it
KINDS = ("directors", "actors")


def _cache() -> Cache:
    return Cache(runtime.current().redis)


async def people_changed(*kinds: str) -> None:
    """Call after people of ``kinds`` (``directors``, ``actors``; default both) were written:
    their cached totals are stale. One Redis round trip."""
    await _cache().replace_stamps(STAMP_NAMESPACE, kinds or KINDS, ttl=STAMP_TTL_SECONDS)


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
    """The exact total, from the cache while no write replaced the kind's stamp; on a miss one
    request counts (``Cache.read_through``) and the others wait for what it stores."""
    cache = _cache()
    total_key = f"{kind}|{key}"

    async def cached() -> tuple[str, int | None]:
        stamp, value = await cache.get_stamped(STAMP_NAMESPACE, (kind,), TOTAL_NAMESPACE, total_key)
        return stamp, value if isinstance(value, int) and not isinstance(value, bool) else None

    async def count(stamp: str) -> int:
        total = int(await collection.count_documents(dict(query)))
        await cache.set_stamped(TOTAL_NAMESPACE, total_key, stamp, total, ttl=TOTAL_TTL_SECONDS)
        return total

    return await cache.read_through(TOTAL_NAMESPACE, total_key, cached, count)


async def _windowed(
    kind: str,
    key: str,
    collection: AsyncCollection[dict[str, Any]],
    query: Mapping[str, Any],
    sort: Sequence[tuple[str, int]],
    paging: PageParams,
) -> list[dict[str, Any]]:
    def read(found: Mapping[str, Any]) -> Awaitable[list[dict[str, Any]]]:
        return collection.find(dict(found), sort=list(sort), skip=paging.skip, limit=paging.limit).to_list()

    return await WindowStore(_cache(), WINDOW_NAMESPACE).read_through(
        f"{kind}|{key}|{paging.skip + paging.limit}",
        paging.limit,
        bounded=lambda bound: read({**query, "name_key": {"$lt": beyond(bound, ASCENDING)}}),
        full=lambda: read(query),
        rows=lambda page: page,
        last=lambda raw: raw.get("name_key"),
    )
