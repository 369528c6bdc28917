"""Ratings: partial indexes of the ratings whose change a recompute has not settled yet."""

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from migrations.indexes import create_indexes, drop_indexes

name = "0402_rating_pending"
dependencies = ["0401_ratings"]

INDEXES: dict[str, list[IndexModel]] = {
    "ratings": [
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
    ],
}


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    for collection, indexes in INDEXES.items():
        create_indexes(db, collection, indexes)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    for collection, indexes in INDEXES.items():
        drop_indexes(db, collection, indexes)
