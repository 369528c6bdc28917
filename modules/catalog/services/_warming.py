"""Cache warming: the hottest listing pages are kept in Redis by the beat task ``catalog.warm_cache``.

The hot pages are the first page (default page size) of the default listing (``GET /v1/movies``),
of each genre (``?genre=<id>``, the first ``MAX_WARMED_GENRES`` genres by name) and of
``?sort=-rating``. Each is read from MongoDB and stored exactly as ``MovieListing.page`` stores a
page a reader missed: under the same key (``page_cache_key``) and the listing stamp taken before
the read, so a run that races a write can only fill a key no reader asks for any more (``_cache``).

A run is skipped while the pages are fresh: the listing stamp is the one the last run warmed and
that run is younger than ``FRESH_SECONDS``. Every catalog write and every changed rating
aggregate replaces the stamp, so the next run (every ``WARM_EVERY_SECONDS``) refills the pages
after a change; when nothing changes, a refill every ``FRESH_SECONDS`` keeps them from expiring
(a page is at most ``FRESH_SECONDS + WARM_EVERY_SECONDS`` old when refilled, under its TTL).
One run at a time (a Redis ``SET NX`` flag): a run due while another is still reading is skipped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import structlog
from redis.asyncio import Redis

from app.kernel.cache import Cache
from app.kernel.pagination import PageParams
from modules.catalog.schemas import MovieListFilters, MovieSort
from modules.catalog.services._cache import LIST_TTL_SECONDS, MovieCache
from modules.catalog.services._listing import MovieListing, page_cache_key
from modules.catalog.services._reference import GenreService

log = structlog.get_logger("marquee.catalog.warming")

WARM_TASK = "catalog.warm_cache"
WARM_EVERY_SECONDS = 15.0
FRESH_SECONDS = int(LIST_TTL_SECONDS - 2 * WARM_EVERY_SECONDS)
MAX_WARMED_GENRES = 100
WARM_NAMESPACE = "movie-warm"
WARMED_STAMP_KEY = "listing-stamp"
RUNNING_KEY = "marquee:catalog:warm-running"
# far longer than a run takes; a run killed mid-way blocks warming (not reads) this long at most
RUNNING_SECONDS = 300


def hot_listings(genre_ids: list[str]) -> list[MovieListFilters]:
    """The filters of the hot pages, built as the route builds them (same cache keys)."""
    return [
        MovieListFilters.parse({}),
        MovieListFilters.parse({"sort": MovieSort.RATING_DESC}),
        *(MovieListFilters.parse({"genre": [genre_id]}) for genre_id in genre_ids),
    ]


@dataclass(frozen=True)
class WarmReport:
    pages: int
    skipped: bool
    stamp: str
    # "warmed", "fresh" (nothing changed since a recent run) or "running" (another run is)
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _StampedMiss(MovieCache):
    """Every page lookup misses under one stamp: ``MovieListing.page`` then reads MongoDB and
    stores the fresh page under that stamp, as it does for a reader that missed."""

    def __init__(self, cache: Cache, stamp: str) -> None:
        super().__init__(cache)
        self._fixed_stamp = stamp

    async def get_page(self, key: str) -> tuple[str, dict[str, Any] | None]:
        return self._fixed_stamp, None


class CacheWarmer:
    def __init__(self, cache: Cache, redis: Redis) -> None:
        self._cache = cache
        self._redis = redis

    async def warm(self, *, force: bool = False) -> WarmReport:
        paging = PageParams()
        # every page lookup answers the listing stamp; the default first page's is the natural one
        stamp, _ = await MovieCache(self._cache).get_page(page_cache_key(MovieListFilters.parse({}), paging) or "")
        if not force and await self._cache.get(WARM_NAMESPACE, WARMED_STAMP_KEY) == stamp:
            return WarmReport(pages=0, skipped=True, stamp=stamp, reason="fresh")
        # one run at a time: a run still reading when the next is due is not doubled
        if not await self._redis.set(RUNNING_KEY, stamp, nx=True, ex=RUNNING_SECONDS):
            return WarmReport(pages=0, skipped=True, stamp=stamp, reason="running")
        try:
            genres, _ = await GenreService().list_page(PageParams(page=1, page_size=MAX_WARMED_GENRES))
            listings = hot_listings([str(genre.id) for genre in genres])
            listing = MovieListing(_StampedMiss(self._cache, stamp))
            for filters in listings:
                await listing.page(filters, paging)
            await self._cache.set(WARM_NAMESPACE, WARMED_STAMP_KEY, stamp, ttl=FRESH_SECONDS)
        finally:
            await self._redis.delete(RUNNING_KEY)
        log.info("cache_warmed", pages=len(listings), stamp=stamp)
        return WarmReport(pages=len(listings), skipped=False, stamp=stamp, reason="warmed")
