"""The export stream: every movie of a listing, in the listing's order, with names resolved.

One cursor walks the listing (a plain ``find`` on the sort's index when there is no filter, else
the listing's aggregation), in large batches. Names come from a per-export ``_NameBook`` per
reference collection: a small collection (genres, and directors and actors of a catalog of this
size) is read whole once, with one ``find`` and no filter, and only ids it does not know (a
person created during the export, or a collection too large to read whole) are looked up, per
batch, with one ``$in``. Per-batch ``$in`` lookups of every id are what made exports slow: the
embedded server answers an ``$in`` on ``_id`` by testing every document against the list.

Rows are plain frozen dataclasses built straight from the raw documents (no model validation
per row). Memory holds one batch and the names of the reference collections.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from bson import ObjectId

from modules.catalog.documents import Actor, Director, Genre, Movie
from modules.catalog.schemas import MovieExportRow, MovieListFilters
from modules.catalog.services._query import listing_pipeline, plan_movie_query

EXPORT_BATCH = 1000
# a reference collection up to this size is read whole once per export (~100 bytes a name);
# a larger one is looked up per batch, and its names are forgotten beyond this many
WHOLE_COLLECTION_MAX = 50_000
NAME_PROJECTION = {"name": 1}
# only the fields of a row: the server copies every projected value, so the cast is read as its
# ids (``cast_actor_ids``, in cast order) and the rating without its distribution
EXPORT_PROJECTION: dict[str, int] = {
    "title": 1,
    "year": 1,
    "release_date": 1,
    "runtime_minutes": 1,
    "genre_ids": 1,
    "director_id": 1,
    "cast_actor_ids": 1,
    "countries": 1,
    "rating.average": 1,
    "rating.count": 1,
    "created_by.username": 1,
    "created_at": 1,
}


class _NameBook:
    """The names of one reference collection, as one export needs them."""

    def __init__(self, document: type[Genre | Director | Actor]) -> None:
        self._collection = document.get_pymongo_collection()
        self._names: dict[ObjectId, str] = {}
        self._absent: set[ObjectId] = set()
        self._whole = False

    async def load(self) -> None:
        """Read the whole collection when it is small (one query); otherwise stay empty."""
        if await self._collection.estimated_document_count() > WHOLE_COLLECTION_MAX:
            return
        cursor = self._collection.find({}, NAME_PROJECTION, batch_size=WHOLE_COLLECTION_MAX)
        async for raw in cursor:
            self._names[raw["_id"]] = str(raw.get("name", ""))
        self._whole = True

    async def know(self, ids: Iterable[ObjectId]) -> None:
        """Make sure every one of ``ids`` is known (by name, or as absent): one ``$in`` at most."""
        missing = [oid for oid in dict.fromkeys(ids) if oid not in self._names and oid not in self._absent]
        if not missing:
            return
        if not self._whole and len(self._names) + len(missing) > WHOLE_COLLECTION_MAX:
            self._names.clear()
            self._absent.clear()
        cursor = self._collection.find({"_id": {"$in": missing}}, NAME_PROJECTION)
        found = {raw["_id"]: str(raw.get("name", "")) for raw in await cursor.to_list()}
        self._names.update(found)
        self._absent.update(oid for oid in missing if oid not in found)

    def get(self, oid: ObjectId) -> str | None:
        return self._names.get(oid)


async def export_rows(filters: MovieListFilters, batch_size: int = EXPORT_BATCH) -> AsyncIterator[MovieExportRow]:
    """Every matching movie in the listing's order, streamed from one cursor (one batch in memory)."""
    genres, directors, actors = _NameBook(Genre), _NameBook(Director), _NameBook(Actor)
    for book in (genres, directors, actors):
        await book.load()
    query = plan_movie_query(filters)
    collection = Movie.get_pymongo_collection()
    if query.unfiltered:
        cursor: Any = collection.find({}, EXPORT_PROJECTION, sort=query.sort, batch_size=batch_size)
    else:
        cursor = await collection.aggregate(listing_pipeline(query, EXPORT_PROJECTION), batchSize=batch_size)
    try:
        batch: list[dict[str, Any]] = []
        async for raw in cursor:
            batch.append(raw)
            if len(batch) >= batch_size:
                for row in await _rows(batch, genres, directors, actors):
                    yield row
                batch = []
        for row in await _rows(batch, genres, directors, actors):
            yield row
    finally:
        await cursor.close()


async def _rows(
    batch: list[dict[str, Any]], genres: _NameBook, directors: _NameBook, actors: _NameBook
) -> list[MovieExportRow]:
    if not batch:
        return []
    await genres.know(oid for raw in batch for oid in raw.get("genre_ids", ()))
    await directors.know(raw["director_id"] for raw in batch if raw.get("director_id") is not None)
    await actors.know(oid for raw in batch for oid in raw.get("cast_actor_ids", ()))
    return [_row(raw, genres, directors, actors) for raw in batch]


def _row(raw: dict[str, Any], genres: _NameBook, directors: _NameBook, actors: _NameBook) -> MovieExportRow:
    rating = raw.get("rating") or {}
    count = int(rating.get("count") or 0)
    average = rating.get("average")
    release = raw.get("release_date")
    director: ObjectId | None = raw.get("director_id")
    return MovieExportRow(
        id=str(raw["_id"]),
        title=raw["title"],
        year=raw["year"],
        release_date=release.date() if isinstance(release, datetime) else None,
        runtime_minutes=raw["runtime_minutes"],
        genres=tuple(genres.get(oid) or "" for oid in raw.get("genre_ids", ())),
        director=directors.get(director) if director is not None else None,
        cast=tuple(actors.get(oid) or "" for oid in raw.get("cast_actor_ids", ())),
        countries=tuple(raw.get("countries", ())),
        rating_average=None if average is None else float(average),
        rating_count=count,
        created_by=str((raw.get("created_by") or {}).get("username", "")),
        created_at=raw["created_at"],
    )
