"""Redis caching of movie details, hot listing pages, listing totals, relevance rankings and the
ids of sorted pages, safe against read/write races.

Each cached value is keyed by a *stamp* that every write replaces after it reaches MongoDB: a
movie's own stamp for its detail, one listing stamp for all hot pages, a members stamp (movie
writes) and a ratings stamp (rating aggregates) for the totals, rankings and page ids. A reader takes the
stamp BEFORE it reads MongoDB and stores what it read under that stamp, so a reader that raced a
write can only fill a key nobody asks for any more; the next reader sees the new stamp and misses.
Stamps outlive every value keyed by them (their TTL is longer), so an expired stamp can never
resurrect a stale value. With Redis down every read is a miss and the API keeps answering.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from bson import json_util

from app.kernel import runtime
from app.kernel.cache import Cache

DETAIL_NAMESPACE = "movie"
LIST_NAMESPACE = "movie-list"
TOTAL_NAMESPACE = "movie-total"
RANKING_NAMESPACE = "movie-ranking"
PAGE_IDS_NAMESPACE = "movie-page-ids"
STAMP_NAMESPACE = "movie-stamp"
LIST_STAMP_KEY = "listing"
# totals: which movies match changes with movie writes (all filters) and with rating aggregates
# (rating filters only); a rating-independent total survives the ratings worker's stream
MEMBERS_STAMP_KEY = "members"
RATINGS_STAMP_KEY = "ratings"
DETAIL_TTL_SECONDS = 300
LIST_TTL_SECONDS = 60
TOTAL_TTL_SECONDS = 600
STAMP_TTL_SECONDS = 86_400


def filter_key(query: Mapping[str, Any]) -> str:
    """A MongoDB filter's identity in cache keys: its canonical JSON, hashed."""
    return hashlib.sha256(json_util.dumps(query, sort_keys=True).encode()).hexdigest()[:32]


class MovieCache:
    def __init__(self, cache: Cache) -> None:
        self._cache = cache

    async def _stamped(self, namespace: str, key: str, *stamp_keys: str) -> tuple[str, Any | None]:
        """``(stamp, value stored under it or None)``: one Redis round trip."""
        return await self._cache.get_stamped(STAMP_NAMESPACE, stamp_keys, namespace, key)

    async def get_detail(self, movie_id: str) -> tuple[str, dict[str, Any] | None]:
        """``(stamp, cached detail or None)``; pass the stamp back to :meth:`put_detail`."""
        stamp, value = await self._stamped(DETAIL_NAMESPACE, movie_id, movie_id)
        return stamp, value if isinstance(value, dict) else None

    async def put_detail(self, movie_id: str, stamp: str, detail: dict[str, Any]) -> None:
        await self._cache.set_stamped(DETAIL_NAMESPACE, movie_id, stamp, detail, ttl=DETAIL_TTL_SECONDS)

    async def get_page(self, key: str) -> tuple[str, dict[str, Any] | None]:
        stamp, value = await self._stamped(LIST_NAMESPACE, key, LIST_STAMP_KEY)
        return stamp, value if isinstance(value, dict) else None

    async def put_page(self, key: str, stamp: str, page: dict[str, Any]) -> None:
        await self._cache.set_stamped(LIST_NAMESPACE, key, stamp, page, ttl=LIST_TTL_SECONDS)

    async def get_total(self, key: str, *, rating_filtered: bool) -> tuple[str, int | None]:
        """``(stamp, cached total of the filter set ``key`` or None)``: a total is exact while its
        stamp is, since every movie write replaces the members stamp, and every changed rating
        aggregate the ratings stamp (part of the stamp of the totals of rating filters only)."""
        stamp, value = await self._stamped(TOTAL_NAMESPACE, key, *_members_stamps(rating_filtered))
        return stamp, value if isinstance(value, int) and not isinstance(value, bool) else None

    async def put_total(self, key: str, stamp: str, total: int) -> None:
        await self._cache.set_stamped(TOTAL_NAMESPACE, key, stamp, total, ttl=TOTAL_TTL_SECONDS)

    async def get_ranking(
        self, key: str, *, rating_filtered: bool, start: int, stop: int
    ) -> tuple[str, tuple[int, list[str]] | None]:
        """``(stamp, (length, ids[start:stop]) of a relevance-ranked search, or None)``: a page
        reads its part of the ranking, not the whole. Stamped like a total: relevance depends on
        titles and synopses only, which only movie writes change."""
        stamp = await self._cache.stamp(STAMP_NAMESPACE, _members_stamps(rating_filtered))
        return stamp, await self._cache.get_slice(RANKING_NAMESPACE, f"{key}:{stamp}", start, stop)

    async def put_ranking(self, key: str, stamp: str, ids: list[str]) -> None:
        await self._cache.set_sequence(RANKING_NAMESPACE, f"{key}:{stamp}", ids, ttl=TOTAL_TTL_SECONDS)

    async def get_page_ids(self, key: str, *, rating_dependent: bool) -> tuple[str, list[str] | None]:
        """``(stamp, the ids a sorted page held when it was read under that stamp, or None)``.
        Stamped like a total: which movies a page holds, and in which order, changes only with movie
        writes, and with rating aggregates when the listing filters or sorts by rating."""
        stamp, value = await self._stamped(PAGE_IDS_NAMESPACE, key, *_members_stamps(rating_dependent))
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return stamp, None
        return stamp, value

    async def put_page_ids(self, key: str, stamp: str, ids: list[str]) -> None:
        await self._cache.set_stamped(PAGE_IDS_NAMESPACE, key, stamp, ids, ttl=TOTAL_TTL_SECONDS)

    async def get_detail_json(self, movie_id: str) -> str | None:
        """The cached detail as the JSON it is stored as (what :meth:`get_detail` would decode),
        stamp and value read in one round trip; ``None`` on a miss."""
        return await self._cache.get_stamped_raw(STAMP_NAMESPACE, movie_id, DETAIL_NAMESPACE, movie_id)

    async def get_page_json(self, key: str) -> str | None:
        """The cached hot page as stored (what :meth:`get_page` would decode), in one round trip."""
        return await self._cache.get_stamped_raw(STAMP_NAMESPACE, LIST_STAMP_KEY, LIST_NAMESPACE, key)

    @property
    def backend(self) -> Cache:
        return self._cache

    async def _replace(self, *keys: str) -> None:
        """New stamps for ``keys``, all in one round trip."""
        await self._cache.replace_stamps(STAMP_NAMESPACE, keys, ttl=STAMP_TTL_SECONDS)

    async def movie_changed(self, movie_id: str) -> None:
        """Call after every write of a movie: its detail, every listing page and total are stale."""
        await self._replace(movie_id, MEMBERS_STAMP_KEY, LIST_STAMP_KEY)

    async def ratings_changed(self, movie_ids: Sequence[str]) -> None:
        """Call after movies' rating aggregates changed: their details, every listing page and the
        totals of rating filters are stale (the others count the same movies). One round trip for
        any number of movies."""
        if movie_ids:
            await self._replace(*movie_ids, RATINGS_STAMP_KEY, LIST_STAMP_KEY)

    async def listing_changed(self) -> None:
        await self._replace(MEMBERS_STAMP_KEY, LIST_STAMP_KEY)


def _members_stamps(rating_dependent: bool) -> tuple[str, ...]:
    return (MEMBERS_STAMP_KEY, RATINGS_STAMP_KEY) if rating_dependent else (MEMBERS_STAMP_KEY,)


def movie_cache() -> MovieCache:
    """The catalog cache on this process's Redis client."""
    return MovieCache(Cache(runtime.current().redis))
