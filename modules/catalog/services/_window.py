"""Keyset windows: a listing page read from a bounded slice of its sort index.

The embedded server materialises every candidate of a query's leading ``$match`` before it sorts
and cuts the page, so a page over a large match set costs the whole match set. A *window* bounds
the candidates by the sort key: after a page has been read, the sort-key value of its last movie
(the movie at rank ``skip + limit``) is remembered in Redis per filter set, sort and rank. The
next read of that page adds ``key > value - step`` (descending; ``< value + step`` ascending,
see ``beyond``) to the leading
``$match``, so only the movies up to that rank (plus those tied with it and those written since)
are read: the cost follows ``skip + limit``, not the catalog.

Exactness never depends on the remembered value. All movies with ``key`` beyond or equal to the
bound are in the window, so the window is a prefix of the listing's order (ties are broken by
``_id`` inside it). If the window still yields a full page, it held at least ``skip + limit``
matching movies, and that page is exactly the listing's page whatever was written since. If it
yields less (movies were deleted or moved out since), the page is read again without a window.
A stale value costs speed, never correctness, so windows are not invalidated by writes.

An ascending ``release_date`` sort gets no window (movies without a date come first there), nor
does relevance ranking (its order is computed). When the listing's index-backed clause is an
equality with an index continuing with the sort key (``ESR_INDEXES``), the window rides that
index (equality, then the range on the sort key).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bson import json_util

from app.kernel.cache import Cache
from modules.catalog.services._query import MovieQuery

P = TypeVar("P")

WINDOW_NAMESPACE = "movie-window"
WINDOW_TTL_SECONDS = 3_600
# (equality field, sort field) pairs led by an equality and continued by the sort key
ESR_INDEXES = frozenset(
    {
        ("genre_ids", "year"),
        ("genre_ids", "rating_sort"),
        ("genre_ids", "title_key"),
        ("countries", "year"),
        ("countries", "rating_sort"),
        ("countries", "title_key"),
        ("director_id", "year"),
        ("cast_actor_ids", "year"),
        ("created_by_id", "created_at"),
    }
)
# sort keys that may be null: ascending, the nulls come first and a bound would cut them off
NULLABLE = frozenset({"release_date"})
# ratings are stored with one decimal: a margin below that widens the bound past the bound's value
RATING_MARGIN = 0.05


def window_key(filter_key: str, query: MovieQuery, rank: int) -> str | None:
    """The key of a page's remembered bound, or None when the listing gets no window."""
    if query.sort is None:
        return None
    field, direction = query.sort[0]
    if field in NULLABLE and direction == 1:
        return None
    return f"{filter_key}|{field}:{direction}|{rank}"


def beyond(bound: Any, direction: int) -> Any:
    """A value strictly past ``bound`` in the walk's direction (below it for a descending walk):
    the window then ends strictly beyond every entry equal to the bound.

    The embedded server drops the entries EQUAL to an inclusive bound on a compound index's
    second field when the bound is the far end of the walk (``$lte`` on an ascending field,
    ``$gte`` on a descending one); a strict bound a step further never meets them. Any window
    ``key >= c`` (``<= c``) is a prefix of the order, so a wider one only reads a little more.
    """
    step = 1 if direction > 0 else -1
    if isinstance(bound, bool):
        return bound
    if isinstance(bound, int):
        return bound + step
    if isinstance(bound, float):
        return bound + step * RATING_MARGIN
    if isinstance(bound, datetime):
        return bound + step * timedelta(milliseconds=1)
    if isinstance(bound, str):
        # the next string up is bound + NUL; a proper prefix is below it (the empty string: all)
        return bound + "\x00" if direction > 0 else bound[:-1]
    return bound


def windowed(query: MovieQuery, bound: Any) -> MovieQuery:
    """The same listing, its leading ``$match`` bounded by the sort key."""
    assert query.sort is not None
    field, direction = query.sort[0]
    clause = {field: {"$gt" if direction < 0 else "$lt": beyond(bound, direction)}}
    ((lead_field, lead_value),) = query.primary.items()
    if (lead_field, field) in ESR_INDEXES and not isinstance(lead_value, dict):
        clause = {lead_field: lead_value, field: clause[field]}
    # the former leading clause is checked after, with the others ($all of genres overrides it)
    return replace(query, primary=clause, residual={**query.primary, **query.residual})


def sort_value(query: MovieQuery, raw: Mapping[str, Any]) -> Any:
    assert query.sort is not None
    return raw.get(query.sort[0][0])


class WindowStore:
    def __init__(self, cache: Cache, namespace: str = WINDOW_NAMESPACE) -> None:
        self._cache = cache
        self._namespace = namespace

    async def get(self, key: str) -> tuple[bool, Any]:
        """``(found, bound)``."""
        value = await self._cache.get(self._namespace, key)
        if not isinstance(value, str):
            return False, None
        return True, json_util.loads(value)["v"]

    async def put(self, key: str, bound: Any) -> None:
        await self._cache.set(self._namespace, key, json_util.dumps({"v": bound}), ttl=WINDOW_TTL_SECONDS)

    async def read_through(
        self,
        key: str,
        limit: int,
        *,
        bounded: Callable[[Any], Awaitable[P]],
        full: Callable[[], Awaitable[P]],
        rows: Callable[[P], Sequence[Mapping[str, Any]]],
        last: Callable[[Mapping[str, Any]], Any],
    ) -> P:
        """A page through the window remembered under ``key`` (``bounded(bound)``), or from the
        full order (``full()``) when there is none or it no longer holds a whole page of ``limit``
        rows; then the sort value of the page's last row (``last``) is remembered when it moved."""
        found, bound = await self.get(key)
        page = await bounded(bound) if found else None
        if page is None or len(rows(page)) < limit:
            page = await full()
        documents = rows(page)
        if len(documents) == limit:
            value = last(documents[-1])
            if value is not None and (not found or value != bound):
                await self.put(key, value)
        return page
