"""Catalog: equality-sort-range indexes for the listings filtered by genre or country and sorted by
rating or title (the equality first, then the sort key: the page is read in order, and a keyset
window is a range on the sort key inside the equality)."""

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database

from migrations.indexes import create_index_sets, drop_index_sets

name = "0202_catalog_listing_indexes"
dependencies = ["0201_catalog_collections"]

INDEXES: dict[str, list[IndexModel]] = {
    "movies": [
        IndexModel(
            [("genre_ids", ASCENDING), ("rating_sort", DESCENDING), ("_id", DESCENDING)], name="movies_genre_rating"
        ),
        IndexModel([("genre_ids", ASCENDING), ("title_key", ASCENDING), ("_id", ASCENDING)], name="movies_genre_title"),
        IndexModel(
            [("countries", ASCENDING), ("rating_sort", DESCENDING), ("_id", DESCENDING)], name="movies_country_rating"
        ),
        IndexModel(
            [("countries", ASCENDING), ("title_key", ASCENDING), ("_id", ASCENDING)], name="movies_country_title"
        ),
    ],
}


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    create_index_sets(db, INDEXES)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    drop_index_sets(db, INDEXES)
