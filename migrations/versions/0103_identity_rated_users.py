"""Identity: a partial index of the users whose stored rating statistics count ratings (the ratings
reconcile walks it to reset those that have no rating left)."""

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from migrations.indexes import create_indexes, drop_indexes

name = "0103_identity_rated_users"
dependencies = ["0102_identity_tokens_and_mail"]

USERS_INDEXES = [
    IndexModel(
        [("stats.ratings_count", ASCENDING), ("_id", ASCENDING)],
        name="users_rated",
        partialFilterExpression={"stats.ratings_count": {"$gt": 0}},
    ),
]


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    create_indexes(db, "users", USERS_INDEXES)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    drop_indexes(db, "users", USERS_INDEXES)
