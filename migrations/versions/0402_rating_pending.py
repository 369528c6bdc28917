"""Ratings: partial indexes of the ratings whose change a recompute has not settled yet."""

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from migrations.indexes import create_index_sets, drop_index_sets

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
    create_index_sets(db, INDEXES)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    drop_index_sets(db, INDEXES)
