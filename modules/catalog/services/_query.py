"""From ``MovieListFilters`` to a MongoDB query: the filter, the sort and the index serving them.

Every query names its index with ``hint``, chosen by a fixed rule, so each combination of filters
and sort is served by an index on MongoDB and on the embedded server alike (whose planner, like
mongod's on a tiny collection, would otherwise be free to scan the collection):

1. ``q``: ``movies_search_tokens`` (the tokens are matched with ``$in`` on the multikey index).
2. a ``director``, ``actor`` or ``created_by`` filter (selective): that filter's compound index,
   which also delivers the default ``-year`` order (``-created_at`` for ``created_by``).
3. ``genre`` or ``country`` with a year sort: their ``(…, year, _id)`` index, filter and order
   both from the index.
4. otherwise: the index of the sort key (``(key, _id)``), walked in the sort's direction; the other
   filters are checked on the documents it yields in order, so a page stops early.

Ties are broken by ``_id`` in the sort's direction. Full-text ``q`` without ``sort`` is ranked by
relevance = 3 * |title tokens ∩ query tokens| + |search tokens ∩ query tokens|, then ``_id``
descending, computed in an aggregation (``$setIntersection``/``$size``): the same on MongoDB and
on the embedded server, which has no text indexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bson import ObjectId

from modules.catalog.schemas import MovieListFilters, MovieSort
from modules.catalog.text import tokens

INDEX_YEAR = "movies_year"
INDEX_TITLE = "movies_title_sort"
INDEX_RATING = "movies_rating"
INDEX_RUNTIME = "movies_runtime"
INDEX_RELEASE_DATE = "movies_release_date"
INDEX_CREATED_AT = "movies_created_at"
INDEX_GENRE = "movies_genre_year"
INDEX_COUNTRY = "movies_country_year"
INDEX_DIRECTOR = "movies_director_year"
INDEX_ACTOR = "movies_actor_year"
INDEX_CREATED_BY = "movies_created_by"
INDEX_SEARCH = "movies_search_tokens"

# sort -> (document field, direction, the index walking that order)
SORTS: dict[MovieSort, tuple[str, int, str]] = {
    MovieSort.YEAR: ("year", 1, INDEX_YEAR),
    MovieSort.YEAR_DESC: ("year", -1, INDEX_YEAR),
    MovieSort.TITLE: ("title_key", 1, INDEX_TITLE),
    MovieSort.TITLE_DESC: ("title_key", -1, INDEX_TITLE),
    MovieSort.RATING: ("rating_sort", 1, INDEX_RATING),
    MovieSort.RATING_DESC: ("rating_sort", -1, INDEX_RATING),
    MovieSort.RUNTIME: ("runtime_minutes", 1, INDEX_RUNTIME),
    MovieSort.RUNTIME_DESC: ("runtime_minutes", -1, INDEX_RUNTIME),
    MovieSort.RELEASE_DATE: ("release_date", 1, INDEX_RELEASE_DATE),
    MovieSort.RELEASE_DATE_DESC: ("release_date", -1, INDEX_RELEASE_DATE),
    MovieSort.CREATED_AT: ("created_at", 1, INDEX_CREATED_AT),
    MovieSort.CREATED_AT_DESC: ("created_at", -1, INDEX_CREATED_AT),
}
RELEVANCE = "_relevance"
TITLE_WEIGHT = 3

LIST_PROJECTION: dict[str, int] = {
    "title": 1,
    "year": 1,
    "release_date": 1,
    "runtime_minutes": 1,
    "genre_ids": 1,
    "countries": 1,
    "rating": 1,
}


@dataclass(frozen=True)
class MovieQuery:
    filter: dict[str, Any]
    # None: ranked by relevance (``q`` without ``sort``)
    sort: list[tuple[str, int]] | None
    hint: str
    search_tokens: list[str] | None


def day_start(value: date) -> datetime:
    """Release dates are stored as UTC midnight datetimes."""
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _range(low: object | None, high: object | None) -> dict[str, object]:
    bounds: dict[str, object] = {}
    if low is not None:
        bounds["$gte"] = low
    if high is not None:
        bounds["$lte"] = high
    return bounds


def movie_filter(filters: MovieListFilters) -> dict[str, Any]:
    """The MongoDB filter of a listing: built only from validated scalars, never from user dicts."""
    query: dict[str, Any] = {}
    if filters.q is not None:
        query["search_tokens"] = {"$in": tokens(filters.q)}
    if filters.title is not None:
        query["title"] = {"$regex": re.escape(filters.title), "$options": "i"}
    genre_ids = [ObjectId(value) for value in filters.genre]
    if len(genre_ids) == 1:
        query["genre_ids"] = genre_ids[0]
    elif genre_ids:
        query["genre_ids"] = {"$all": genre_ids}
    year = _range(filters.year_from, filters.year_to)
    if filters.year is not None:
        year["$eq"] = filters.year
    if year:
        query["year"] = filters.year if set(year) == {"$eq"} else year
    released = _range(
        day_start(filters.released_from) if filters.released_from else None,
        day_start(filters.released_to) if filters.released_to else None,
    )
    if released:
        query["release_date"] = released
    if filters.country is not None:
        query["countries"] = filters.country
    if filters.director is not None:
        query["director_id"] = ObjectId(filters.director)
    if filters.actor is not None:
        query["cast_actor_ids"] = ObjectId(filters.actor)
    if filters.min_rating is not None or filters.max_rating is not None:
        # rating_sort is the average, or -1 while unrated: a lower bound of 0 leaves unrated out
        query["rating_sort"] = {"$gte": max(filters.min_rating or 0.0, 0.0), **_range(None, filters.max_rating)}
    runtime = _range(filters.runtime_min, filters.runtime_max)
    if runtime:
        query["runtime_minutes"] = runtime
    if filters.created_by is not None:
        query["created_by_id"] = filters.created_by
    return query


def _hint(filters: MovieListFilters, sort: MovieSort | None) -> str:
    if filters.q is not None:
        return INDEX_SEARCH
    if filters.director is not None:
        return INDEX_DIRECTOR
    if filters.actor is not None:
        return INDEX_ACTOR
    if filters.created_by is not None:
        return INDEX_CREATED_BY
    assert sort is not None
    field, _, index = SORTS[sort]
    if field == "year" and filters.genre:
        return INDEX_GENRE
    if field == "year" and filters.country is not None:
        return INDEX_COUNTRY
    return index


def plan_movie_query(filters: MovieListFilters) -> MovieQuery:
    """Filter, sort and index of a listing (see the module's docstring for the index rule)."""
    sort = filters.effective_sort
    order: list[tuple[str, int]] | None = None
    if sort is not None:
        field, direction, _ = SORTS[sort]
        order = [(field, direction), ("_id", direction)]
    return MovieQuery(
        filter=movie_filter(filters),
        sort=order,
        hint=_hint(filters, sort),
        search_tokens=tokens(filters.q) if filters.q is not None else None,
    )


def relevance_pipeline(
    query: MovieQuery, projection: dict[str, int], *, skip: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    """``$match``, the relevance score, ``$sort`` by it, the page, then the projection."""
    terms = query.search_tokens or []
    score = {
        "$add": [
            {"$multiply": [TITLE_WEIGHT, {"$size": {"$setIntersection": [{"$ifNull": ["$title_tokens", []]}, terms]}}]},
            {"$size": {"$setIntersection": [{"$ifNull": ["$search_tokens", []]}, terms]}},
        ]
    }
    stages: list[dict[str, Any]] = [
        {"$match": query.filter},
        {"$addFields": {RELEVANCE: score}},
        {"$sort": {RELEVANCE: -1, "_id": -1}},
    ]
    if skip:
        stages.append({"$skip": skip})
    if limit is not None:
        stages.append({"$limit": limit})
    stages.append({"$project": {**projection, RELEVANCE: 1}})
    return stages
