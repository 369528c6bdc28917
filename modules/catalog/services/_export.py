"""The export stream: every movie of a listing, in the listing's order, with names resolved."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from bson import ObjectId

from modules.catalog.schemas import MovieExportRow, MovieListFilters
from modules.catalog.services._listing import _collection, _date_of, _rating
from modules.catalog.services._lookup import ReferenceNames, resolve_names
from modules.catalog.services._query import LIST_PROJECTION, listing_pipeline, plan_movie_query

EXPORT_BATCH = 500
EXPORT_PROJECTION: dict[str, int] = {
    **LIST_PROJECTION,
    "director_id": 1,
    "cast": 1,
    "created_by": 1,
    "created_at": 1,
}


async def export_rows(filters: MovieListFilters, batch_size: int = EXPORT_BATCH) -> AsyncIterator[MovieExportRow]:
    """Every matching movie in the listing's order, streamed from one cursor.

    Names are resolved per batch (one ``$in`` per collection), so memory holds one batch.
    """
    pipeline = listing_pipeline(plan_movie_query(filters), EXPORT_PROJECTION)
    cursor = await _collection().aggregate(pipeline, batchSize=batch_size)
    try:
        batch: list[dict[str, Any]] = []
        async for raw in cursor:
            batch.append(raw)
            if len(batch) >= batch_size:
                for row in await _export_rows(batch):
                    yield row
                batch = []
        for row in await _export_rows(batch):
            yield row
    finally:
        await cursor.close()


async def _export_rows(batch: list[dict[str, Any]]) -> list[MovieExportRow]:
    if not batch:
        return []
    names: ReferenceNames = await resolve_names(
        [oid for raw in batch for oid in raw.get("genre_ids", [])],
        [raw["director_id"] for raw in batch if raw.get("director_id") is not None],
        [member["actor_id"] for raw in batch for member in raw.get("cast", [])],
    )
    rows = []
    for raw in batch:
        rating = _rating(raw)
        director: ObjectId | None = raw.get("director_id")
        rows.append(
            MovieExportRow(
                id=str(raw["_id"]),
                title=raw["title"],
                year=raw["year"],
                release_date=_date_of(raw.get("release_date")),
                runtime_minutes=raw["runtime_minutes"],
                genres=tuple(names.genres.get(oid, "") for oid in raw.get("genre_ids", [])),
                director=names.directors.get(director) if director is not None else None,
                cast=tuple(names.actors.get(member["actor_id"], "") for member in raw.get("cast", [])),
                countries=tuple(raw.get("countries", [])),
                rating_average=rating.average,
                rating_count=rating.count,
                created_by=str((raw.get("created_by") or {}).get("username", "")),
                created_at=raw["created_at"],
            )
        )
    return rows
