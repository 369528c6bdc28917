"""Ratings documents: one rating per (user, movie), and the durable "recompute needed" marks."""

from __future__ import annotations

from datetime import datetime

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, IndexModel


class Rating(Document):
    """A user's score (1-10) and optional review of a movie.

    ``user_id``/``movie_id`` are the 24-hex ids of the user and the movie (other modules are
    referenced by id, never by link). ``username`` is a snapshot of the rater's username, which
    the contract makes immutable, so listing a movie's ratings needs no lookup in identity.
    ``rated_at`` is when the user first rated the movie; ``updated_at`` when the rating last changed.

    A rating written by a PUT also carries ``pending_movie`` and ``pending_user``: the durable
    "recompute needed" state of its change, one ObjectId token per write (so it also tells when),
    each removed once a recompute that read this version of the rating is written. They are
    bookkeeping of the ratings services (raw reads and writes only), not fields of the model.
    """

    user_id: str
    username: str
    movie_id: str
    score: int = Field(ge=1, le=10)
    review: str | None = None
    rated_at: datetime
    updated_at: datetime

    class Settings:
        name = "ratings"
        use_state_management = False
        indexes = [
            # one rating per (user, movie); also the lookup of a caller's own rating
            IndexModel(
                [("user_id", ASCENDING), ("movie_id", ASCENDING)], name="ratings_user_movie_unique", unique=True
            ),
            # a movie's ratings by date; walked backwards for -rated_at
            IndexModel(
                [("movie_id", ASCENDING), ("rated_at", ASCENDING), ("_id", ASCENDING)], name="ratings_movie_rated_at"
            ),
            # a movie's ratings by score, and the aggregate ($match movie_id, $group by score)
            IndexModel([("movie_id", ASCENDING), ("score", ASCENDING), ("_id", ASCENDING)], name="ratings_movie_score"),
            # a user's profile of rated movies by date / by score (and the user's stats)
            IndexModel(
                [("user_id", ASCENDING), ("rated_at", ASCENDING), ("_id", ASCENDING)], name="ratings_user_rated_at"
            ),
            IndexModel([("user_id", ASCENDING), ("score", ASCENDING), ("_id", ASCENDING)], name="ratings_user_score"),
            # ratings whose change a recompute has not settled yet (few: a partial index)
            IndexModel(
                [("movie_id", ASCENDING), ("pending_movie", ASCENDING)],
                name="ratings_pending_movie",
                partialFilterExpression={"pending_movie": {"$exists": True}},
            ),
            IndexModel(
                [("user_id", ASCENDING), ("pending_user", ASCENDING)],
                name="ratings_pending_user",
                partialFilterExpression={"pending_user": {"$exists": True}},
            ),
        ]


class RecomputeMark(Document):
    """A movie aggregate or a user's statistics that must be recomputed after a change that left
    no rating behind to carry it (a deleted rating, a deleted movie's raters).

    ``id`` is ``movie:<id>`` or ``user:<id>``. Every rating change increments ``seq`` and sets
    ``pending`` (after the rating write); a recompute reads ``seq`` before it reads the ratings
    and clears ``pending`` only if ``seq`` did not move meanwhile, otherwise it computes again.
    A mark left pending (broker down, worker killed) is picked up by the periodic reconcile, so
    no change is lost, even for a movie or user whose last rating was deleted. Marks are kept
    (one small document per movie or user ever rated) so ``seq`` only ever grows.
    """

    id: str  # type: ignore[assignment]
    kind: str
    subject_id: str
    seq: int = 0
    pending: bool = True
    marked_at: datetime

    class Settings:
        name = "rating_recompute_marks"
        use_state_management = False
        indexes = [
            IndexModel(
                [("kind", ASCENDING), ("subject_id", ASCENDING)],
                name="rating_recompute_marks_pending",
                partialFilterExpression={"pending": True},
            ),
        ]
