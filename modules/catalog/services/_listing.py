"""The movie listing (``GET /v1/movies``), counts and the export stream.

A page costs at most two round trips whatever its size: the page aggregation, which joins the
genre names of its movies itself (one ``$lookup`` for the whole page: ``_lookup.page_name_stages``),
and the count, run concurrently. Totals are cached in Redis per filter set under a stamp
(``_cache``) that every movie write replaces, and for rating filters every changed rating
aggregate too: a cached total is exact, and the next pages of a listing cost the page query alone.
How each query is served by an index is explained in ``_query``. Hot pages (the first pages of the
default listing, per genre and per country) are cached until the next movie write.

A sorted page remembers which movies it held, by id, under the same stamps as the totals (and
the ratings stamp when the order is by rating): while no write has replaced them, the page holds
the same movies in the same order, so it is read again by those ids alone (``$in``: the cost of
the page, wherever it lies in the listing) and its content is always read from MongoDB. A first
read, or one after a write, takes the page's keyset window (``_window``) or the full order.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from bson import ObjectId

from app.kernel.pagination import Page, PageParams
from modules.catalog.documents import Movie, RatingAggregate
from modules.catalog.schemas import GenreRef, MovieListFilters, MovieListItem
from modules.catalog.services._cache import (
    LIST_NAMESPACE,
    PAGE_IDS_NAMESPACE,
    RANKING_NAMESPACE,
    TOTAL_NAMESPACE,
    MovieCache,
    filter_key,
)
from modules.catalog.services._lookup import page_name_stages, split_page
from modules.catalog.services._movies import rating_read
from modules.catalog.services._query import (
    LIST_PROJECTION,
    MovieQuery,
    count_pipeline,
    listing_pipeline,
    movie_filter,
    plan_movie_query,
)
from modules.catalog.services._window import WindowStore, sort_value, window_key, windowed

# the sort keys not shown in an item are read too: the last one bounds the page's next window
PAGE_PROJECTION = {**LIST_PROJECTION, "title_key": 1, "rating_sort": 1}

# a page's movies in order, and the names of the genres they reference
PageDocuments = tuple[list[dict[str, Any]], dict[ObjectId, str]]

CACHED_PAGES = 3
# an ObjectId document is ~22 bytes: a first batch this large stays far below the 16 MiB message
RANKING_BATCH_SIZE = 100_000
# the filters a cached ("hot") page may use; any other filter is served from MongoDB
_CACHEABLE = frozenset({"genre", "country", "sort"})


def _collection() -> Any:
    return Movie.get_pymongo_collection()


def _date_of(value: datetime | None) -> Any:
    return value.date() if isinstance(value, datetime) else None


def _rating(raw: dict[str, Any]) -> RatingAggregate:
    return RatingAggregate.model_validate(raw.get("rating") or {})


def page_cache_key(filters: MovieListFilters, paging: PageParams) -> str | None:
    """The cache key of a hot page, or None when the page is not worth caching."""
    if paging.page > CACHED_PAGES or not filters.model_fields_set <= _CACHEABLE:
        return None
    sort = filters.sort.value if filters.sort is not None else "default"
    return f"{sort}|{','.join(sorted(filters.genre))}|{filters.country or ''}|{paging.page}|{paging.page_size}"


def total_cache_key(filters: MovieListFilters) -> str:
    """The filter set's identity: its MongoDB filter, canonical (sort and paging do not count)."""
    return filter_key(movie_filter(filters))


async def count_matching(query: MovieQuery) -> int:
    if query.unfiltered:
        return int(await _collection().estimated_document_count())
    cursor = await _collection().aggregate(count_pipeline(query))
    results = await cursor.to_list()
    return int(results[0]["total"]) if results else 0


class MovieListing:
    def __init__(self, cache: MovieCache) -> None:
        self._cache = cache

    async def page(self, filters: MovieListFilters, paging: PageParams) -> Page[MovieListItem]:
        key = page_cache_key(filters, paging)
        if key is None:
            return await self._read_page(filters, paging)

        async def cached() -> tuple[str, Page[MovieListItem] | None]:
            stamp, value = await self._cache.get_page(key)
            return stamp, None if value is None else Page[MovieListItem].model_validate(value)

        async def read(stamp: str) -> Page[MovieListItem]:
            page = await self._read_page(filters, paging)
            await self._cache.put_page(key, stamp, page.model_dump(mode="json"))
            return page

        return await self._cache.backend.read_through(LIST_NAMESPACE, key, cached, read)

    async def _read_page(self, filters: MovieListFilters, paging: PageParams) -> Page[MovieListItem]:
        query = plan_movie_query(filters)
        filter_key = total_cache_key(filters)
        if query.sort is None:
            page, total = await self._ranked_documents(filter_key, query, paging)
        else:
            page, total = await asyncio.gather(
                self._sorted_documents(filter_key, query, paging), self._total(filter_key, query)
            )
        documents, genre_names = page
        items = [_item(raw, genre_names) for raw in documents]
        return Page[MovieListItem](data=items, page=paging.page, page_size=paging.page_size, total=total)

    async def _sorted_documents(self, filter_key: str, query: MovieQuery, paging: PageParams) -> PageDocuments:
        """The page by the ids it held under the current stamps, or read in order and its ids
        remembered. A remembered movie that is gone (a write whose new stamp is not stored yet)
        sends the page back to the ordered read."""
        assert query.sort is not None
        (field, direction), _ = query.sort
        key = f"{filter_key}|{field}:{direction}|{paging.skip}|{paging.limit}"
        rating_dependent = field == "rating_sort" or _rating_filtered(query)

        async def remembered() -> tuple[str, PageDocuments | None]:
            stamp, ids = await self._cache.get_page_ids(key, rating_dependent=rating_dependent)
            return stamp, await _complete_by_id(ids)

        async def read(stamp: str) -> PageDocuments:
            page = await self._windowed_documents(filter_key, query, paging)
            await self._cache.put_page_ids(key, stamp, [str(raw["_id"]) for raw in page[0]])
            return page

        return await self._cache.backend.read_through(PAGE_IDS_NAMESPACE, key, remembered, read)

    async def _windowed_documents(self, filter_key: str, query: MovieQuery, paging: PageParams) -> PageDocuments:
        """The page, from its remembered window when there is one (``_window``)."""
        key = window_key(filter_key, query, paging.skip + paging.limit)
        if key is None:
            return await self._documents(query, paging)
        return await WindowStore(self._cache.backend).read_through(
            key,
            paging.limit,
            bounded=lambda bound: self._documents(windowed(query, bound), paging),
            full=lambda: self._documents(query, paging),
            rows=lambda page: page[0],
            last=lambda raw: sort_value(query, raw),
        )

    async def _ranked_documents(
        self, filter_key: str, query: MovieQuery, paging: PageParams
    ) -> tuple[PageDocuments, int]:
        """A relevance-ranked page and its total: the ranking (every matching id in order) is
        computed once per members stamp and cached as a Redis list; a page then reads its slice of
        the list (and the length, its total) and looks up its ids."""
        start, stop = paging.skip, paging.skip + paging.limit
        rating_filtered = _rating_filtered(query)

        async def cached() -> tuple[str, tuple[int, list[str]] | None]:
            return await self._cache.get_ranking(filter_key, rating_filtered=rating_filtered, start=start, stop=stop)

        async def rank(stamp: str) -> tuple[int, list[str]]:
            pipeline = listing_pipeline(query, {"_id": 1})
            # the whole ranking in the first batch: one round trip (ids are small)
            cursor = await _collection().aggregate(pipeline, batchSize=RANKING_BATCH_SIZE)
            ranking = [str(raw["_id"]) for raw in await cursor.to_list()]
            await self._cache.put_ranking(filter_key, stamp, ranking)
            return len(ranking), ranking[start:stop]

        total, page_values = await self._cache.backend.read_through(RANKING_NAMESPACE, filter_key, cached, rank)
        # a movie deleted since is simply absent until the next write replaced the stamp
        page, _ = await _documents_by_id([ObjectId(value) for value in page_values])
        return page, total

    @staticmethod
    async def _documents(query: MovieQuery, paging: PageParams) -> PageDocuments:
        # the genre names are joined after the page is cut: one lookup for the page's genres
        pipeline = [
            *listing_pipeline(query, PAGE_PROJECTION, skip=paging.skip, limit=paging.limit),
            *page_name_stages("genres"),
        ]
        cursor = await _collection().aggregate(pipeline)
        return split_page(await cursor.to_list(), "genres")

    async def _total(self, key: str, query: MovieQuery) -> int:
        """The exact total, from the cache while no write has replaced its stamp."""
        rating_filtered = _rating_filtered(query)

        async def cached() -> tuple[str, int | None]:
            return await self._cache.get_total(key, rating_filtered=rating_filtered)

        async def count(stamp: str) -> int:
            total = await count_matching(query)
            await self._cache.put_total(key, stamp, total)
            return total

        return await self._cache.backend.read_through(TOTAL_NAMESPACE, key, cached, count)

    async def count(self, filters: MovieListFilters) -> int:
        return await self._total(total_cache_key(filters), plan_movie_query(filters))


async def _complete_by_id(ids: list[str] | None) -> PageDocuments | None:
    """The page of the remembered ``ids``, or None when there are none or one of them is gone."""
    if ids is None:
        return None
    page, complete = await _documents_by_id([ObjectId(value) for value in ids])
    return page if complete else None


async def _documents_by_id(page_ids: list[ObjectId]) -> tuple[PageDocuments, bool]:
    """The movies of ``page_ids`` in that order, with their genre names (one aggregation), and
    whether every one of them was found."""
    if not page_ids:
        return ([], {}), True
    pipeline = [{"$match": {"_id": {"$in": page_ids}}}, {"$project": PAGE_PROJECTION}, *page_name_stages("genres")]
    documents, names = split_page(await (await _collection().aggregate(pipeline)).to_list(), "genres")
    found = {raw["_id"]: raw for raw in documents}
    return ([found[oid] for oid in page_ids if oid in found], names), len(found) == len(page_ids)


def _rating_filtered(query: MovieQuery) -> bool:
    return "rating_sort" in query.primary or "rating_sort" in query.residual


def _item(raw: dict[str, Any], genre_names: dict[ObjectId, str]) -> MovieListItem:
    return MovieListItem(
        id=str(raw["_id"]),
        title=raw["title"],
        year=raw["year"],
        release_date=_date_of(raw.get("release_date")),
        runtime_minutes=raw["runtime_minutes"],
        genres=[GenreRef(id=str(oid), name=genre_names.get(oid)) for oid in raw.get("genre_ids", [])],
        countries=list(raw.get("countries", [])),
        rating=rating_read(_rating(raw)),
    )
