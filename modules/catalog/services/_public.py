"""What other modules may ask of the catalog (re-exported by ``modules.catalog``).

Lists, ratings and exports reference movies by id and never read the catalog's collections:
they call these functions. Each opens nothing itself; it uses the process's runtime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from bson import ObjectId
from pymongo import UpdateOne

from app.kernel.documents import chunks, id_batches
from modules.catalog.documents import Movie, empty_distribution
from modules.catalog.schemas import MovieExportRow, MovieListFilters, MovieSummary
from modules.catalog.services._cache import movie_cache
from modules.catalog.services._export import export_rows
from modules.catalog.services._ids import parse_object_id
from modules.catalog.services._listing import MovieListing

SUMMARY_PROJECTION = {"title": 1, "year": 1, "release_date": 1, "countries": 1}
# movies whose stored aggregate counts ratings: an unrated movie has rating_sort -1
RATED_FILTER: dict[str, Any] = {"rating_sort": {"$gt": -1}}


def _summary(raw: Mapping[str, Any]) -> MovieSummary:
    release = raw.get("release_date")
    return MovieSummary(
        id=str(raw["_id"]),
        title=str(raw["title"]),
        year=int(raw["year"]),
        release_date=release.date() if release is not None else None,
        countries=tuple(raw.get("countries", ())),
    )


async def get_movie_summary(movie_id: str) -> MovieSummary | None:
    """The movie's id, title, year, release date and countries; None if malformed or unknown."""
    oid = parse_object_id(movie_id)
    if oid is None:
        return None
    raw = await Movie.get_pymongo_collection().find_one({"_id": oid}, SUMMARY_PROJECTION)
    return _summary(raw) if raw is not None else None


async def get_movie_summaries(movie_ids: Iterable[str]) -> dict[str, MovieSummary]:
    """Summaries of the movies that exist among ``movie_ids`` (one query), keyed by id."""
    oids = list(dict.fromkeys(oid for oid in map(parse_object_id, movie_ids) if oid is not None))
    if not oids:
        return {}
    cursor = Movie.get_pymongo_collection().find({"_id": {"$in": oids}}, SUMMARY_PROJECTION)
    return {str(raw["_id"]): _summary(raw) for raw in await cursor.to_list()}


async def movie_exists(movie_id: str) -> bool:
    oid = parse_object_id(movie_id)
    if oid is None:
        return False
    return await Movie.get_pymongo_collection().find_one({"_id": oid}, {"_id": 1}) is not None


def _rating_fields(average: float | None, count: int, distribution: Mapping[str, int]) -> dict[str, Any]:
    """The stored ``rating`` and ``rating_sort`` of an aggregate: ``average`` rounded to 1 decimal
    and null while ``count`` is 0, ``distribution`` with all ten keys."""
    full = empty_distribution()
    full.update({key: int(value) for key, value in distribution.items() if key in full})
    rounded = round(float(average), 1) if average is not None and count > 0 else None
    rating = {"average": rounded, "count": int(count), "distribution": full}
    return {"rating": rating, "rating_sort": rounded if rounded is not None else -1.0}


async def set_rating_aggregate(
    movie_id: str, average: float | None, count: int, distribution: Mapping[str, int]
) -> None:
    """Store a movie's rating aggregate (idempotent; an unknown movie is ignored).

    ``average`` is rounded to 1 decimal and null while ``count`` is 0; ``distribution`` gets all
    ten keys ``"1"``..``"10"``. The detail and listing caches are invalidated when it changed.
    The movie's edit ``version`` (its ETag) does not change: ratings are not edits.
    """
    oid = parse_object_id(movie_id)
    if oid is None:
        return
    result = await Movie.get_pymongo_collection().update_one(
        {"_id": oid}, {"$set": _rating_fields(average, count, distribution)}
    )
    if result.modified_count:
        await movie_cache().ratings_changed([str(oid)])


async def set_rating_aggregates(
    aggregates: Iterable[tuple[str, float | None, int, Mapping[str, int]]], *, force: bool = False
) -> int:
    """Store many movies' rating aggregates at once: ``(movie_id, average, count, distribution)``.

    The bulk form of :func:`set_rating_aggregate` (same normalisation; unknown or malformed ids
    are ignored): the stored aggregates read (``IN_CHUNK`` ids per query), then one bulk write of those that differ
    (every one with ``force``), and the caches of the written movies invalidated. Returns how
    many movies were written.
    """
    wanted: dict[ObjectId, dict[str, Any]] = {}
    for movie_id, average, count, distribution in aggregates:
        oid = parse_object_id(movie_id)
        if oid is None:
            continue
        wanted[oid] = _rating_fields(average, count, distribution)
    if not wanted:
        return 0
    collection = Movie.get_pymongo_collection()
    stored: dict[ObjectId, dict[str, Any]] = {}
    for chunk in chunks(list(wanted)):
        cursor = collection.find({"_id": {"$in": list(chunk)}}, {"rating": 1, "rating_sort": 1})
        stored.update({raw["_id"]: raw async for raw in cursor})
    changed = [
        oid
        for oid, fields in wanted.items()
        if oid in stored
        and (
            force
            or stored[oid].get("rating") != fields["rating"]
            or stored[oid].get("rating_sort") != fields["rating_sort"]
        )
    ]
    if not changed:
        return 0
    await collection.bulk_write([UpdateOne({"_id": oid}, {"$set": wanted[oid]}) for oid in changed], ordered=False)
    await movie_cache().ratings_changed([str(oid) for oid in changed])
    return len(changed)


async def iter_rated_movie_ids(batch_size: int = 200) -> AsyncIterator[list[str]]:
    """The ids of the movies whose stored aggregate counts ratings, in batches of ``batch_size``.

    "Counts ratings" is ``rating_sort`` above -1, the value of an unrated movie (the rating
    writes keep ``rating`` and ``rating_sort`` together). One cursor walks the ``movies_rating``
    index over that range and reads ids only (a covered query on MongoDB), so the cost follows the
    rated movies, not the catalog, and memory stays flat. The caller may change aggregates
    between batches: a movie moved out of the range is not returned again, and one whose value
    changed meanwhile may be returned twice or, when its new value is one the walk has passed,
    not at all (its aggregate was just written).
    """
    async for batch in id_batches(Movie.get_pymongo_collection(), RATED_FILTER, batch_size):
        yield batch


async def iter_movies_for_export(filters: MovieListFilters) -> AsyncIterator[MovieExportRow]:
    """Every movie matching ``filters`` in their order (relevance for ``q`` without ``sort``),
    streamed from one cursor with names resolved per batch: memory does not grow with the catalog."""
    # the size of the catalog that an unfiltered export reads: the total the exporter counted
    async for row in export_rows(filters, catalog_size=lambda: count_movies(filters)):
        yield row


async def count_movies(filters: MovieListFilters) -> int:
    return await MovieListing(movie_cache()).count(filters)
