"""Idempotent index helpers for migration scripts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pymongo import IndexModel
from pymongo.database import Database
from pymongo.errors import OperationFailure

INDEX_NOT_FOUND = 27
NAMESPACE_NOT_FOUND = 26


def create_indexes(db: Database, collection: str, indexes: Sequence[IndexModel]) -> None:  # type: ignore[type-arg]
    """Create indexes (a no-op for the ones that already exist with the same definition)."""
    db[collection].create_indexes(list(indexes))


def drop_indexes(db: Database, collection: str, indexes: Sequence[IndexModel]) -> None:  # type: ignore[type-arg]
    """Drop the named indexes; missing ones (or a missing collection) are fine."""
    for index in indexes:
        try:
            db[collection].drop_index(index.document["name"])
        except OperationFailure as exc:
            if exc.code not in (INDEX_NOT_FOUND, NAMESPACE_NOT_FOUND):
                raise


def create_index_sets(db: Database, indexes: Mapping[str, Sequence[IndexModel]]) -> None:  # type: ignore[type-arg]
    """``create_indexes`` for each collection of a migration's ``{collection: indexes}``."""
    for collection, models in indexes.items():
        create_indexes(db, collection, models)


def drop_index_sets(db: Database, indexes: Mapping[str, Sequence[IndexModel]]) -> None:  # type: ignore[type-arg]
    """``drop_indexes`` for each collection of a migration's ``{collection: indexes}``."""
    for collection, models in indexes.items():
        drop_indexes(db, collection, models)
