"""Identity: a partial index of the users whose stored rating statistics say "no ratings" (a count
of 0 or below) yet are not zero (a negative count, or an average score beside a count of 0): the
ratings reconcile walks it, with ``users_rated``, to reset the statistics of users without ratings."""

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from migrations.indexes import create_indexes, drop_indexes

name = "0104_identity_stale_user_stats"
dependencies = ["0103_identity_rated_users"]

USERS_INDEXES = [
    IndexModel(
        [("stats.ratings_count", ASCENDING), ("stats.average_score", ASCENDING), ("_id", ASCENDING)],
        name="users_stats_unrated",
        partialFilterExpression={
            "stats.ratings_count": {"$lte": 0},
            "$or": [{"stats.ratings_count": {"$lt": 0}}, {"stats.average_score": {"$gte": float("-inf")}}],
        },
    ),
]


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    create_indexes(db, "users", USERS_INDEXES)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    drop_indexes(db, "users", USERS_INDEXES)
