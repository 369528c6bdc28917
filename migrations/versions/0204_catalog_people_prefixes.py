"""Catalog: people searched by the prefixes of their names' words.

Every director and actor gets ``search_prefixes`` (each word of ``search_tokens`` cut to 1..12
characters) and an index on it followed by the name order; the old index on the words, which a
search had to name (a regex is not planned on a multikey index) and which the embedded server
then walked whole, is dropped. The prefixes are computed here, not by the catalog's code, so
this migration stays what it was when the catalog changes.
"""

from collections.abc import Iterator
from typing import Any

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.database import Database

from migrations.indexes import create_index_sets, drop_index_sets

name = "0204_catalog_people_prefixes"
dependencies = ["0203_catalog_stale_movie_ratings"]

PREFIX_MAX = 12
BATCH = 1_000
PEOPLE = ("directors", "actors")

NEW: dict[str, list[IndexModel]] = {
    kind: [
        IndexModel(
            [("search_prefixes", ASCENDING), ("name_key", ASCENDING), ("_id", ASCENDING)],
            name=f"{kind}_search_prefixes",
        )
    ]
    for kind in PEOPLE
}
OLD: dict[str, list[IndexModel]] = {
    kind: [IndexModel([("search_tokens", ASCENDING), ("name_key", ASCENDING)], name=f"{kind}_search_tokens")]
    for kind in PEOPLE
}


def prefixes(words: list[str]) -> list[str]:
    return list(dict.fromkeys(word[:end] for word in words for end in range(1, min(len(word), PREFIX_MAX) + 1)))


def _batches(db: Database, kind: str) -> Iterator[list[UpdateOne]]:  # type: ignore[type-arg]
    batch: list[UpdateOne] = []
    for person in db[kind].find({"search_prefixes": {"$exists": False}}, {"search_tokens": 1}):
        words: Any = person.get("search_tokens") or []
        batch.append(UpdateOne({"_id": person["_id"]}, {"$set": {"search_prefixes": prefixes(list(words))}}))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    for kind in PEOPLE:
        # a written person no longer matches the cursor's filter: no one is read twice
        for batch in _batches(db, kind):
            db[kind].bulk_write(batch, ordered=False)
    create_index_sets(db, NEW)
    drop_index_sets(db, OLD)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    create_index_sets(db, OLD)
    drop_index_sets(db, NEW)
    for kind in PEOPLE:
        db[kind].update_many({}, {"$unset": {"search_prefixes": ""}})
