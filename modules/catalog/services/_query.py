"""From ``MovieListFilters`` to a MongoDB query that an index serves, on MongoDB and on the
embedded server alike.

Every listing runs as one aggregation whose first stage is a ``$match`` on ONE index-backed
clause (the *primary*), followed by a ``$match`` on every other condition (the *residual*), then
the sort, the page and the projection. The count is the same ``$match`` stages and ``$count``.

- On MongoDB the optimiser merges the ``$match`` stages and pushes them, with ``$sort``,
  ``$skip`` and ``$limit``, into the query layer, whose cost-based planner picks among the filter
  and sort indexes; a collection scan is never a candidate because the primary clause always has
  an index (and so does every sort: ``(key, _id)``).
- The embedded server's planner is rule-based: it serves a leading ``$match`` of one clause from
  that clause's index (a real lookup: only the matching documents are read) and applies the rest
  of the pipeline to them. A ``hint`` would not help there: it walks the whole index.

The primary clause is the most selective condition present, in this order: ``q`` tokens (``$in``
on the multikey ``search_tokens``), ``director``, ``actor``, ``created_by``, the first ``genre``,
``country``, the year bounds, the release-date bounds, the rating bounds, the runtime bounds.
Without any of them (``title`` alone) it is an always-true range on the sort key (``year >=
1878``, ``title_key >= ""``, ...), which is the walk of the sort's index; a release-date sort
uses the year's, since release dates may be null. A listing without any filter is a plain
``find`` walking the sort's index, and its total is the collection's count from its metadata.

Ties are broken by ``_id`` in the sort's direction. Full-text ``q`` without ``sort`` is ranked by
relevance = 3 * |title tokens & query tokens| + |search tokens & query tokens|, then ``_id``
descending, computed in the aggregation (``$setIntersection``/``$size``): the same on MongoDB and
on the embedded server, which has no text indexes. ``title`` is a case-insensitive regular
expression of the escaped text. Only validated scalars reach a query: user input never becomes
an operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bson import ObjectId

from modules.catalog.schemas import MovieListFilters, MovieSort
from modules.catalog.schemas._fields import YEAR_MIN
from modules.catalog.text import tokens

# sort -> (document field, direction); every (field, _id) pair has its index
SORTS: dict[MovieSort, tuple[str, int]] = {
    MovieSort.YEAR: ("year", 1),
    MovieSort.YEAR_DESC: ("year", -1),
    MovieSort.TITLE: ("title_key", 1),
    MovieSort.TITLE_DESC: ("title_key", -1),
    MovieSort.RATING: ("rating_sort", 1),
    MovieSort.RATING_DESC: ("rating_sort", -1),
    MovieSort.RUNTIME: ("runtime_minutes", 1),
    MovieSort.RUNTIME_DESC: ("runtime_minutes", -1),
    MovieSort.RELEASE_DATE: ("release_date", 1),
    MovieSort.RELEASE_DATE_DESC: ("release_date", -1),
    MovieSort.CREATED_AT: ("created_at", 1),
    MovieSort.CREATED_AT_DESC: ("created_at", -1),
}
# the fields that can be the primary clause (each leads an index), most selective first
PRIMARY_ORDER = (
    "search_tokens",
    "director_id",
    "cast_actor_ids",
    "created_by_id",
    "genre_ids",
    "countries",
    "year",
    "release_date",
    "rating_sort",
    "runtime_minutes",
)
# an always-true clause on each sort key (every movie has the field), for a listing without one
EVERYTHING: dict[str, dict[str, Any]] = {
    "year": {"year": {"$gte": YEAR_MIN}},
    "title_key": {"title_key": {"$gte": ""}},
    "rating_sort": {"rating_sort": {"$gte": -1.0}},
    "runtime_minutes": {"runtime_minutes": {"$gte": 0}},
    "release_date": {"year": {"$gte": YEAR_MIN}},
    "created_at": {"created_at": {"$gte": datetime(1970, 1, 1, tzinfo=UTC)}},
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
    # the index-backed clause of the first $match, and every other condition
    primary: dict[str, Any]
    residual: dict[str, Any]
    # None: ranked by relevance (``q`` without ``sort``)
    sort: list[tuple[str, int]] | None
    search_tokens: list[str] | None

    # no condition at all: the page is a plain walk of the sort's index, the total the metadata's
    unfiltered: bool = False

    def match_stages(self) -> list[dict[str, Any]]:
        stages: list[dict[str, Any]] = [{"$match": self.primary}]
        if self.residual:
            stages.append({"$match": self.residual})
        return stages


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
    """The MongoDB filter of a listing as one document (``$match`` or ``find`` alike)."""
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


def split_filter(query: dict[str, Any], sort_field: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(primary, residual)``: the most selective index-backed clause, and the rest."""
    for field in PRIMARY_ORDER:
        if field not in query:
            continue
        condition = query[field]
        residual = {key: value for key, value in query.items() if key != field}
        if isinstance(condition, dict) and "$all" in condition:
            # all of several genres: the first one's index entries, the whole $all checked after
            residual[field] = condition
            condition = condition["$all"][0]
        return {field: condition}, residual
    return EVERYTHING[sort_field], dict(query)


def plan_movie_query(filters: MovieListFilters) -> MovieQuery:
    """The listing's match stages and order (see the module's docstring for the index rule)."""
    sort = filters.effective_sort
    order: list[tuple[str, int]] | None = None
    sort_field = "year"
    if sort is not None:
        sort_field, direction = SORTS[sort]
        order = [(sort_field, direction), ("_id", direction)]
    query = movie_filter(filters)
    primary, residual = split_filter(query, sort_field)
    return MovieQuery(
        primary=primary,
        residual=residual,
        sort=order,
        search_tokens=tokens(filters.q) if filters.q is not None else None,
        unfiltered=not query,
    )


def _scored(query: MovieQuery) -> list[dict[str, Any]]:
    terms = query.search_tokens or []
    score = {
        "$add": [
            {"$multiply": [TITLE_WEIGHT, {"$size": {"$setIntersection": [{"$ifNull": ["$title_tokens", []]}, terms]}}]},
            {"$size": {"$setIntersection": [{"$ifNull": ["$search_tokens", []]}, terms]}},
        ]
    }
    return [{"$addFields": {RELEVANCE: score}}, {"$sort": {RELEVANCE: -1, "_id": -1}}]


def listing_pipeline(
    query: MovieQuery, projection: dict[str, int], *, skip: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    """The matching movies in order (relevance, or the sort), paged, projected."""
    stages = query.match_stages()
    if query.sort is None:
        stages.extend(_scored(query))
    else:
        stages.append({"$sort": dict(query.sort)})
    if skip:
        stages.append({"$skip": skip})
    if limit is not None:
        stages.append({"$limit": limit})
    stages.append({"$project": projection})
    return stages


def count_pipeline(query: MovieQuery) -> list[dict[str, Any]]:
    return [*query.match_stages(), {"$count": "total"}]
