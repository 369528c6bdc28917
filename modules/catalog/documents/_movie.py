"""The movie document: denormalised for index-backed filters, sorts and token search."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import BaseModel, Field
from pymongo import ASCENDING, DESCENDING, IndexModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def empty_distribution() -> dict[str, int]:
    return {str(score): 0 for score in range(1, 11)}


def _nonzero(path: str) -> list[dict[str, Any]]:
    # a partial index filter has no $ne: "not 0" is above or below it
    return [{path: {"$gt": 0}}, {path: {"$lt": 0}}]


# a stored aggregate whose sort key says "no ratings" (below 0; -1 is the unrated value) yet which
# is not the empty aggregate: a sort key below -1, a count, an average (any number: ``$gte``
# -infinity) or a score in the distribution. No writer stores one (a corrupted document). The
# filter of the partial ``movies_rating_stale`` index, which holds only such movies, for the
# ratings reconcile to reset them.
STALE_UNRATED_RATING_FILTER: dict[str, Any] = {
    "rating_sort": {"$lt": 0},
    "$or": [
        {"rating_sort": {"$lt": -1}},
        *_nonzero("rating.count"),
        {"rating.average": {"$gte": float("-inf")}},
        *(clause for score in range(1, 11) for clause in _nonzero(f"rating.distribution.{score}")),
    ],
}

# a movie without a numeric sort key: missing or null, or NaN (no writer stores one either: the
# Movie model defaults it to -1). Every listing by rating and every rating filter skips such a
# movie. The ``movies_rating`` index answers it with two point bounds (null, NaN), so the
# reconcile finds them without a scan.
UNSORTABLE_RATING_FILTER: dict[str, Any] = {"rating_sort": {"$in": [None, float("nan")]}}


class CastMember(BaseModel):
    actor_id: PydanticObjectId
    character: str


class CreatorSnapshot(BaseModel):
    id: str
    username: str


class RatingAggregate(BaseModel):
    """Written by the ratings worker through the catalog's public interface."""

    average: float | None = None
    count: int = 0
    distribution: dict[str, int] = Field(default_factory=empty_distribution)


class Movie(Document):
    title: str
    # casefolded, NFKC-normalised title: case-insensitive uniqueness and the `title` sort key
    title_key: str
    synopsis: str | None = None
    # release_date is stored as a UTC midnight datetime (BSON has no date type)
    release_date: datetime | None = None
    year: int
    runtime_minutes: int
    genre_ids: list[PydanticObjectId]
    director_id: PydanticObjectId
    cast: list[CastMember] = Field(default_factory=list)
    # denormalised from cast for the multikey `actor` filter index
    cast_actor_ids: list[PydanticObjectId] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    # normalised tokens of the title (weighted) and of title + synopsis, for `q`
    title_tokens: list[str] = Field(default_factory=list)
    search_tokens: list[str] = Field(default_factory=list)
    rating: RatingAggregate = Field(default_factory=RatingAggregate)
    # rating.average, or -1 while there are no ratings (sorts below every real average)
    rating_sort: float = -1.0
    created_by: CreatorSnapshot
    created_by_id: str
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "movies"
        use_state_management = False
        indexes = [
            IndexModel([("title_key", ASCENDING)], name="movies_title_key_unique", unique=True),
            # one index per sort key, id as the tie-breaker (every list query can walk one)
            IndexModel([("year", DESCENDING), ("_id", DESCENDING)], name="movies_year"),
            IndexModel([("title_key", ASCENDING), ("_id", ASCENDING)], name="movies_title_sort"),
            IndexModel([("rating_sort", DESCENDING), ("_id", DESCENDING)], name="movies_rating"),
            IndexModel([("runtime_minutes", ASCENDING), ("_id", ASCENDING)], name="movies_runtime"),
            IndexModel([("release_date", ASCENDING), ("_id", ASCENDING)], name="movies_release_date"),
            IndexModel([("created_at", ASCENDING), ("_id", ASCENDING)], name="movies_created_at"),
            # selective filters, each followed by the default sort
            IndexModel([("genre_ids", ASCENDING), ("year", DESCENDING), ("_id", DESCENDING)], name="movies_genre_year"),
            IndexModel(
                [("countries", ASCENDING), ("year", DESCENDING), ("_id", DESCENDING)], name="movies_country_year"
            ),
            IndexModel(
                [("director_id", ASCENDING), ("year", DESCENDING), ("_id", DESCENDING)], name="movies_director_year"
            ),
            IndexModel(
                [("cast_actor_ids", ASCENDING), ("year", DESCENDING), ("_id", DESCENDING)], name="movies_actor_year"
            ),
            IndexModel(
                [("created_by_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
                name="movies_created_by",
            ),
            IndexModel([("search_tokens", ASCENDING)], name="movies_search_tokens"),
            # equality, then a sort key (migration 0202): a filtered page read in order, and its
            # keyset window (services._window) a range inside the equality
            IndexModel(
                [("genre_ids", ASCENDING), ("rating_sort", DESCENDING), ("_id", DESCENDING)],
                name="movies_genre_rating",
            ),
            IndexModel(
                [("genre_ids", ASCENDING), ("title_key", ASCENDING), ("_id", ASCENDING)], name="movies_genre_title"
            ),
            IndexModel(
                [("countries", ASCENDING), ("rating_sort", DESCENDING), ("_id", DESCENDING)],
                name="movies_country_rating",
            ),
            IndexModel(
                [("countries", ASCENDING), ("title_key", ASCENDING), ("_id", ASCENDING)], name="movies_country_title"
            ),
            # only the movies whose sort key says "no ratings" but whose aggregate is not empty
            IndexModel(
                [("rating.count", ASCENDING), ("_id", ASCENDING)],
                name="movies_rating_stale",
                partialFilterExpression=STALE_UNRATED_RATING_FILTER,
            ),
        ]
