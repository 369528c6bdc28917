"""The export stream: every movie of a listing, in the listing's order, with names resolved.

The listing is read as consecutive queries (``_sources``): without a filter, the stored
documents in the sort's order, a span of years at a time for the default order (a range on the
``(year, _id)`` index each, put in order here: a span is small, and the embedded server's own
sort was a fifth of its work); with filters, the listing's aggregation. One reader task fetches
the server's raw BSON batches ahead of the consumer (``_read_ahead``) and decodes them, one
request after another; the consumer builds the rows and hands the event loop back every
``YIELD_EVERY`` rows, so the reader's next request leaves while the rows are being written and
the database is rarely left waiting. Names come from a per-export ``_NameBook`` per reference
collection: a small collection (genres, and directors and actors of a catalog of this size) is
read whole once, with one ``find`` and no filter, and only ids it does not know (a person
created during the export, or a collection too large to read whole) are looked up, per batch,
with one ``$in``. Per-batch ``$in`` lookups of
every id are what made exports slow: the embedded server answers an ``$in`` on ``_id`` by
testing every document against the list.

Rows are plain frozen dataclasses built straight from the raw documents (no model validation
per row). Memory holds ``PREFETCH`` batches and the year span being read at most, the batch
being written and the names of the reference collections, whatever the catalog's size.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Iterator
from contextlib import aclosing
from datetime import datetime
from functools import partial
from operator import itemgetter
from typing import Any

from bson import ObjectId, decode_all
from bson.codec_options import CodecOptions

from modules.catalog.documents import Actor, Director, Genre, Movie
from modules.catalog.schemas import MovieExportRow, MovieListFilters
from modules.catalog.schemas._fields import YEAR_MAX, YEAR_MIN
from modules.catalog.services._query import MovieQuery, listing_pipeline, plan_movie_query

# documents per batch (~330 KB of BSON at 100k movies): 100 and 300 measured alike, 1 000 slower
EXPORT_BATCH = 300
# batches read ahead of the rows being written: more than a year span's (memory: these and
# the span being read)
PREFETCH = 8
# rows built between two turns of the event loop (the reader's next request goes out then):
# 100k movies 4.8k -> 5.7-6.7k rows/s
YIELD_EVERY = 50
# how often a stopping export unblocks its reader until it has finished its request
STOP_POLL_SECONDS = 0.05
# movies per query of an unfiltered export in year order (the span of years follows the catalog)
YEAR_CHUNK_DOCS = 2_000
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


async def export_rows(
    filters: MovieListFilters,
    batch_size: int = EXPORT_BATCH,
    catalog_size: Callable[[], Awaitable[int]] | None = None,
) -> AsyncGenerator[MovieExportRow]:
    """Every matching movie in the listing's order, streamed (a few batches in memory): the next
    batches are read and decoded while the rows of the current one are built and written.
    ``catalog_size`` (the collection's count by default) sizes the year spans of an unfiltered
    export in year order."""
    genres, directors, actors = _NameBook(Genre), _NameBook(Director), _NameBook(Actor)
    for book in (genres, directors, actors):
        await book.load()
    query = plan_movie_query(filters)
    size = 0
    if _by_year_spans(query):
        size = await (catalog_size or Movie.get_pymongo_collection().estimated_document_count)()
    # closed with the export, also when its consumer stops early: the reader stops with it
    async with aclosing(_read_ahead(_sources(query, batch_size, size))) as batches:
        async for batch in batches:
            for index, row in enumerate(await _rows(batch, genres, directors, actors), 1):
                yield row
                if index % YIELD_EVERY == 0:
                    await asyncio.sleep(0)


def _by_year_spans(query: MovieQuery) -> bool:
    return query.unfiltered and query.sort is not None and query.sort[0][0] == "year"


Documents = list[dict[str, Any]]


def _sources(query: MovieQuery, batch_size: int, catalog_size: int) -> Iterator[AsyncGenerator[Documents]]:
    """The listing's documents in order, as consecutive queries, each a stream of batches.

    Without a filter the documents are read whole (no projection: the embedded server copies
    every projected value, which costs it more than sending the stored document), and in the
    default order (by year) a span of years at a time, each a range on the ``(year, _id)``
    index sized for about ``YEAR_CHUNK_DOCS`` movies (three years at 100k movies, the whole
    catalog at a thousand), read unsorted and put in order here: the embedded server builds a
    query's whole result before its first batch (for the whole catalog that took longer than
    the driver's heartbeat allows and held every movie in its memory at once), and sorting a
    span cost it a fifth of its time. With filters, the listing's aggregation (served like the
    listing's page)."""
    collection = Movie.get_pymongo_collection()
    options = collection.codec_options
    if query.sort is not None and query.unfiltered:
        if not _by_year_spans(query):
            cursor = partial(collection.find_raw_batches, {}, sort=query.sort, batch_size=batch_size)
            yield _batches_of(cursor, options)
            return
        direction = query.sort[0][1]
        per_year = catalog_size / (YEAR_MAX - YEAR_MIN + 1)
        span = max(1, int(YEAR_CHUNK_DOCS / per_year) if per_year else YEAR_MAX - YEAR_MIN + 1)
        starts = (
            range(YEAR_MAX - span + 1, YEAR_MIN - span, -span) if direction < 0 else range(YEAR_MIN, YEAR_MAX + 1, span)
        )
        for start in starts:
            years = {"$gte": max(start, YEAR_MIN), "$lte": min(start + span - 1, YEAR_MAX)}
            cursor = partial(collection.find_raw_batches, {"year": years}, batch_size=batch_size)
            yield _in_order(_batches_of(cursor, options), query.sort, batch_size)
        return
    pipeline = listing_pipeline(query, EXPORT_PROJECTION)
    yield _batches_of(partial(collection.aggregate_raw_batches, pipeline, batchSize=batch_size), options)


async def _batches_of(
    open_cursor: Callable[[], Any], options: CodecOptions[dict[str, Any]]
) -> AsyncGenerator[Documents]:
    """The batches of one query (``open_cursor`` returns its raw-batch cursor, or an awaitable
    of it), decoded."""
    cursor = open_cursor()
    if inspect.isawaitable(cursor):
        cursor = await cursor
    try:
        async for data in cursor:
            yield decode_all(data, options)
    finally:
        await cursor.close()


async def _in_order(
    batches: AsyncGenerator[Documents], sort: list[tuple[str, int]], batch_size: int
) -> AsyncGenerator[Documents]:
    """All of a (small) query's documents, sorted by ``sort`` here, in batches of ``batch_size``."""
    documents: Documents = []
    async with aclosing(batches):
        async for batch in batches:
            documents.extend(batch)
    for field, direction in reversed(sort):  # stable sorts, the last key first
        documents.sort(key=itemgetter(field), reverse=direction < 0)
    for start in range(0, len(documents), batch_size):
        yield documents[start : start + batch_size]


async def _read_ahead(sources: Iterator[AsyncGenerator[Documents]]) -> AsyncGenerator[Documents]:
    """The items of ``sources`` in order, read by one task ahead of the consumer, at most
    ``PREFETCH`` items ahead: the database answers one request after another while the consumer
    works on what came before (several queries at once only made the embedded server slower: its
    requests share one interpreter).

    When the consumer stops early, the reader is told to stop and finish the request it is in
    rather than being cancelled inside the driver; it closes its cursor."""
    queue: asyncio.Queue[Documents | BaseException | None] = asyncio.Queue(maxsize=PREFETCH)
    stop = asyncio.Event()

    async def fill() -> None:
        try:
            for source in sources:
                async with aclosing(source):
                    async for item in source:
                        if stop.is_set():
                            return
                        await queue.put(item)
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            await queue.put(exc)
        else:
            await queue.put(None)

    reader = asyncio.create_task(fill())
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while not reader.done():
            while not queue.empty():  # unblock the reader waiting to hand over an item
                queue.get_nowait()
            await asyncio.wait([reader], timeout=STOP_POLL_SECONDS)


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
