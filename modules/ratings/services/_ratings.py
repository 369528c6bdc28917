"""Ratings: one per (user, movie), the caller's own rating, and the two paged lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from beanie import SortDirection
from pymongo.errors import DuplicateKeyError, PyMongoError

from app.kernel.events import bus
from app.kernel.pagination import PageParams
from modules.catalog import MovieSummary, get_movie_summaries, movie_exists
from modules.ratings.documents import Rating
from modules.ratings.errors import MovieNotFound, NotRated
from modules.ratings.schemas import RatingSort
from modules.ratings.services._ids import canonical_id
from modules.ratings.services._marks import MOVIE, USER, RecomputeMarks
from modules.ratings.services._pending import new_token_fields

log = structlog.get_logger("marquee.ratings")

RATING_CHANGED = "rating.changed"
# insert-or-update rounds before a duplicate-key error is given up on (a PUT racing DELETEs)
SAVE_ATTEMPTS = 3

SORTS: dict[RatingSort, list[tuple[str, SortDirection]]] = {
    RatingSort.NEWEST: [("rated_at", SortDirection.DESCENDING), ("_id", SortDirection.DESCENDING)],
    RatingSort.OLDEST: [("rated_at", SortDirection.ASCENDING), ("_id", SortDirection.ASCENDING)],
    RatingSort.HIGHEST: [("score", SortDirection.DESCENDING), ("_id", SortDirection.DESCENDING)],
    RatingSort.LOWEST: [("score", SortDirection.ASCENDING), ("_id", SortDirection.ASCENDING)],
}


def now_ms() -> datetime:
    """Now, truncated to BSON's millisecond precision (what a later read returns)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


@dataclass(frozen=True)
class Rater:
    id: str
    username: str


@dataclass(frozen=True)
class RatedMovie:
    rating: Rating
    movie: MovieSummary


class RatingService:
    async def movie_id_of(self, movie_id: str) -> str:
        """The canonical id of an existing movie, else ``MovieNotFound`` (malformed ids too)."""
        canonical = canonical_id(movie_id)
        if canonical is None or not await movie_exists(canonical):
            raise MovieNotFound()
        return canonical

    async def put(self, movie_id: str, rater: Rater, score: int, review: str | None) -> tuple[Rating, bool]:
        """Create or replace the rater's rating; ``True`` when it was created by this call."""
        movie = await self.movie_id_of(movie_id)
        now = now_ms()
        rated_at, created = await self._save(
            {"user_id": rater.id, "movie_id": movie},
            {"username": rater.username, "score": score, "review": review},
            now,
        )
        rating = Rating(
            user_id=rater.id,
            username=rater.username,
            movie_id=movie,
            score=score,
            review=review,
            rated_at=rated_at,
            updated_at=now,
        )
        await self._changed(movie, rater.id)
        log.info("rating_saved", movie_id=movie, created=created)
        return rating, created

    @staticmethod
    async def _save(key: dict[str, str], fields: dict[str, Any], now: datetime) -> tuple[datetime, bool]:
        """Insert the (user, movie) rating, or update it when there is one: ``(rated_at, created)``.

        The rating carries the tokens of its pending recomputes (``_pending``), so the change and
        its durable "recompute needed" state are one write. "Created" is decided by the insert,
        which the unique (user, movie) index lets succeed exactly once: concurrent first PUTs all
        try it, the losers get a duplicate-key error and update the winner's rating instead. The
        insert comes first because most PUTs are first ratings: they cost one write, and a
        rejected insert costs no commit. (An upsert's pre-image would say "created" too, but the
        embedded SecantusDB returned an empty pre-image to several concurrent upserts.)
        """
        collection = Rating.get_pymongo_collection()
        fields = {**fields, **new_token_fields()}
        update = {"$set": {**fields, "updated_at": now}}
        attempts = 0
        while True:
            try:
                await collection.insert_one({**key, **fields, "rated_at": now, "updated_at": now})
            except DuplicateKeyError:
                attempts += 1
                # update_one + find_one, not find_one_and_update: the embedded server scans the
                # whole collection for a findAndModify, while these two use the unique index
                updated = await collection.update_one(key, update)
                existing = await collection.find_one(key, {"rated_at": 1}) if updated.matched_count else None
                if existing is not None:
                    return existing["rated_at"], False
                # deleted meanwhile by a concurrent DELETE: insert again
                if attempts >= SAVE_ATTEMPTS:
                    raise
                continue
            return now, True

    async def get_own(self, movie_id: str, user_id: str) -> Rating:
        movie = await self.movie_id_of(movie_id)
        rating = await Rating.find_one({"user_id": user_id, "movie_id": movie})
        if rating is None:
            raise NotRated()
        return rating

    async def delete(self, movie_id: str, user_id: str) -> None:
        movie = await self.movie_id_of(movie_id)
        result = await Rating.get_pymongo_collection().delete_one({"user_id": user_id, "movie_id": movie})
        if result.deleted_count == 0:
            raise NotRated()
        try:
            # no rating is left to carry the pending recomputes: durable marks do (after the delete)
            await RecomputeMarks().mark([(MOVIE, movie), (USER, user_id)])
        except PyMongoError as exc:
            # the reconcile's full pass still recomputes every movie and user that has ratings
            log.warning("recompute_mark_failed", movie_id=movie, error=type(exc).__name__)
        await self._changed(movie, user_id)
        log.info("rating_deleted", movie_id=movie)

    async def list_for_movie(self, movie_id: str, sort: RatingSort, page: PageParams) -> tuple[list[Rating], int]:
        movie = await self.movie_id_of(movie_id)
        return await self._page({"movie_id": movie}, sort, page)

    async def list_for_user(self, user_id: str, sort: RatingSort, page: PageParams) -> tuple[list[RatedMovie], int]:
        """A user's rated movies; titles come from one catalog call per page.

        A rating whose movie was deleted a moment ago (its ratings are being removed) is left out.
        """
        ratings, total = await self._page({"user_id": user_id}, sort, page)
        movies = await get_movie_summaries([rating.movie_id for rating in ratings]) if ratings else {}
        return [RatedMovie(rating, movies[rating.movie_id]) for rating in ratings if rating.movie_id in movies], total

    @staticmethod
    async def _page(query: dict[str, Any], sort: RatingSort, page: PageParams) -> tuple[list[Rating], int]:
        """One page and the total in one command: a ``$facet`` over the indexed ``$match``."""
        pipeline: list[dict[str, Any]] = [
            {"$match": query},
            {
                "$facet": {
                    "total": [{"$count": "n"}],
                    "data": [
                        {"$sort": dict(SORTS[sort])},
                        {"$skip": page.skip},
                        {"$limit": page.limit},
                    ],
                }
            },
        ]
        cursor = await Rating.get_pymongo_collection().aggregate(pipeline)
        result = (await cursor.to_list())[0]
        total = int(result["total"][0]["n"]) if result["total"] else 0
        return [Rating.model_validate(raw) for raw in result["data"]], total

    async def remove_movie_ratings(self, movie_id: str) -> list[str]:
        """Delete every rating of a (deleted) movie; returns the users who had rated it."""
        collection = Rating.get_pymongo_collection()
        users: Sequence[str] = await collection.distinct("user_id", {"movie_id": movie_id})
        if users:
            result = await collection.delete_many({"movie_id": movie_id})
            log.info("movie_ratings_removed", movie_id=movie_id, removed=result.deleted_count)
        return [str(user) for user in users]

    @staticmethod
    async def _changed(movie_id: str, user_id: str) -> None:
        await bus.publish(RATING_CHANGED, {"movie_id": movie_id, "user_id": user_id})
