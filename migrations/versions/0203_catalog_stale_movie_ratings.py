"""Catalog: a partial index of the movies whose sort key says "no ratings" (``rating_sort`` below
0) yet whose stored aggregate is not empty (a sort key below -1, a count, an average or a score in
the distribution): the ratings reconcile walks it, with ``movies_rating``, to reset the aggregates
of movies without ratings."""

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from migrations.indexes import create_index_sets, drop_index_sets

name = "0203_catalog_stale_movie_ratings"
dependencies = ["0202_catalog_listing_indexes"]


def _nonzero(path: str) -> list[dict[str, Any]]:
    return [{path: {"$gt": 0}}, {path: {"$lt": 0}}]


INDEXES: dict[str, list[IndexModel]] = {
    "movies": [
        IndexModel(
            [("rating.count", ASCENDING), ("_id", ASCENDING)],
            name="movies_rating_stale",
            partialFilterExpression={
                "rating_sort": {"$lt": 0},
                "$or": [
                    {"rating_sort": {"$lt": -1}},
                    *_nonzero("rating.count"),
                    {"rating.average": {"$gte": float("-inf")}},
                    *(clause for score in range(1, 11) for clause in _nonzero(f"rating.distribution.{score}")),
                ],
            },
        ),
    ],
}


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    create_index_sets(db, INDEXES)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    drop_index_sets(db, INDEXES)
