"""Lists: the ``list_entries`` collection's indexes (one entry per user, list and movie)."""

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from migrations.indexes import create_indexes, drop_indexes

name = "0301_lists_entries"
dependencies = ["0201_catalog_collections"]

LIST_ENTRIES_INDEXES = [
    IndexModel(
        [("user_id", ASCENDING), ("list_name", ASCENDING), ("movie_id", ASCENDING)],
        name="list_entries_user_list_movie_unique",
        unique=True,
    ),
    IndexModel(
        [("user_id", ASCENDING), ("list_name", ASCENDING), ("date_added", ASCENDING), ("_id", ASCENDING)],
        name="list_entries_user_list_date",
    ),
    IndexModel(
        [
            ("user_id", ASCENDING),
            ("list_name", ASCENDING),
            ("countries", ASCENDING),
            ("date_added", ASCENDING),
            ("_id", ASCENDING),
        ],
        name="list_entries_user_list_country_date",
    ),
    IndexModel([("movie_id", ASCENDING)], name="list_entries_movie"),
]


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    create_indexes(db, "list_entries", LIST_ENTRIES_INDEXES)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    drop_indexes(db, "list_entries", LIST_ENTRIES_INDEXES)
