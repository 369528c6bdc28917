"""Ratings: one rating per (user, movie), list/aggregate indexes, and the recompute marks."""

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from migrations.indexes import create_index_sets, drop_index_sets

name = "0401_ratings"
dependencies = ["0201_catalog_collections"]

INDEXES: dict[str, list[IndexModel]] = {
    "ratings": [
        IndexModel([("user_id", ASCENDING), ("movie_id", ASCENDING)], name="ratings_user_movie_unique", unique=True),
        IndexModel(
            [("movie_id", ASCENDING), ("rated_at", ASCENDING), ("_id", ASCENDING)], name="ratings_movie_rated_at"
        ),
        IndexModel([("movie_id", ASCENDING), ("score", ASCENDING), ("_id", ASCENDING)], name="ratings_movie_score"),
        IndexModel([("user_id", ASCENDING), ("rated_at", ASCENDING), ("_id", ASCENDING)], name="ratings_user_rated_at"),
        IndexModel([("user_id", ASCENDING), ("score", ASCENDING), ("_id", ASCENDING)], name="ratings_user_score"),
    ],
    "rating_recompute_marks": [
        IndexModel(
            [("kind", ASCENDING), ("subject_id", ASCENDING)],
            name="rating_recompute_marks_pending",
            partialFilterExpression={"pending": True},
        ),
    ],
}


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    create_index_sets(db, INDEXES)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    drop_index_sets(db, INDEXES)
