"""Catalog: genres, countries, directors, actors and movies with their named indexes."""

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database

from migrations.indexes import create_index_sets, drop_index_sets

name = "0201_catalog_collections"
dependencies = ["0101_identity_users"]

INDEXES: dict[str, list[IndexModel]] = {
    "genres": [IndexModel([("name_key", ASCENDING)], name="genres_name_key_unique", unique=True)],
    "countries": [IndexModel([("code", ASCENDING)], name="countries_code_unique", unique=True)],
    "directors": [
        IndexModel([("name_key", ASCENDING), ("_id", ASCENDING)], name="directors_name_key"),
        IndexModel([("search_tokens", ASCENDING), ("name_key", ASCENDING)], name="directors_search_tokens"),
    ],
    "actors": [
        IndexModel([("name_key", ASCENDING), ("_id", ASCENDING)], name="actors_name_key"),
        IndexModel([("search_tokens", ASCENDING), ("name_key", ASCENDING)], name="actors_search_tokens"),
    ],
    "movies": [
        IndexModel([("title_key", ASCENDING)], name="movies_title_key_unique", unique=True),
        IndexModel([("year", DESCENDING), ("_id", DESCENDING)], name="movies_year"),
        IndexModel([("title_key", ASCENDING), ("_id", ASCENDING)], name="movies_title_sort"),
        IndexModel([("rating_sort", DESCENDING), ("_id", DESCENDING)], name="movies_rating"),
        IndexModel([("runtime_minutes", ASCENDING), ("_id", ASCENDING)], name="movies_runtime"),
        IndexModel([("release_date", ASCENDING), ("_id", ASCENDING)], name="movies_release_date"),
        IndexModel([("created_at", ASCENDING), ("_id", ASCENDING)], name="movies_created_at"),
        IndexModel([("genre_ids", ASCENDING), ("year", DESCENDING), ("_id", DESCENDING)], name="movies_genre_year"),
        IndexModel([("countries", ASCENDING), ("year", DESCENDING), ("_id", DESCENDING)], name="movies_country_year"),
        IndexModel(
            [("director_id", ASCENDING), ("year", DESCENDING), ("_id", DESCENDING)], name="movies_director_year"
        ),
        IndexModel(
            [("cast_actor_ids", ASCENDING), ("year", DESCENDING), ("_id", DESCENDING)], name="movies_actor_year"
        ),
        IndexModel(
            [("created_by_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="movies_created_by"
        ),
        IndexModel([("search_tokens", ASCENDING)], name="movies_search_tokens"),
    ],
}


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    create_index_sets(db, INDEXES)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    drop_index_sets(db, INDEXES)
