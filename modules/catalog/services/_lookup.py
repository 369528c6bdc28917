"""Reference checks and name resolution: one ``$in`` query per referenced collection.

Whatever the cast size or page size, a movie (or a batch of movies) costs at most one query on
genres, one on directors, one on actors and one on countries, run concurrently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from bson import ObjectId

from modules.catalog.documents import Actor, Country, Director, Genre
from modules.catalog.errors import ReferenceNotFound

NAME_PROJECTION = {"name": 1}


@dataclass
class ReferenceNames:
    genres: dict[ObjectId, str] = field(default_factory=dict)
    directors: dict[ObjectId, str] = field(default_factory=dict)
    actors: dict[ObjectId, str] = field(default_factory=dict)


async def _names(document: type[Genre | Director | Actor], ids: list[ObjectId]) -> dict[ObjectId, str]:
    if not ids:
        return {}
    collection = document.get_pymongo_collection()
    cursor = collection.find({"_id": {"$in": ids}}, NAME_PROJECTION)
    return {raw["_id"]: str(raw.get("name", "")) for raw in await cursor.to_list()}


async def _existing_countries(codes: list[str]) -> set[str]:
    if not codes:
        return set()
    cursor = Country.get_pymongo_collection().find({"code": {"$in": codes}}, {"code": 1, "_id": 0})
    return {str(raw["code"]) for raw in await cursor.to_list()}


def _distinct(ids: Iterable[ObjectId]) -> list[ObjectId]:
    return list(dict.fromkeys(ids))


async def resolve_names(
    genre_ids: Iterable[ObjectId], director_ids: Iterable[ObjectId], actor_ids: Iterable[ObjectId]
) -> ReferenceNames:
    """Names of the given genres, directors and actors (unknown ids are simply absent)."""
    genres, directors, actors = await asyncio.gather(
        _names(Genre, _distinct(genre_ids)),
        _names(Director, _distinct(director_ids)),
        _names(Actor, _distinct(actor_ids)),
    )
    return ReferenceNames(genres=genres, directors=directors, actors=actors)


async def check_references(
    *,
    genre_ids: list[ObjectId] | None = None,
    director_id: ObjectId | None = None,
    actor_ids: list[ObjectId] | None = None,
    countries: list[str] | None = None,
) -> ReferenceNames:
    """Raise 422 REFERENCE_NOT_FOUND (``details.field``) unless every given reference exists.

    Returns the names it read, so a response can be built without reading them again.
    """
    genre_list = _distinct(genre_ids or [])
    actor_list = _distinct(actor_ids or [])
    country_list = list(dict.fromkeys(countries or []))
    genres, directors, actors, known_countries = await asyncio.gather(
        _names(Genre, genre_list),
        _names(Director, [director_id] if director_id is not None else []),
        _names(Actor, actor_list),
        _existing_countries(country_list),
    )
    missing_genres = [str(oid) for oid in genre_list if oid not in genres]
    if missing_genres:
        raise ReferenceNotFound("genre_ids", missing_genres, "genre_ids: these genres do not exist.")
    if director_id is not None and director_id not in directors:
        raise ReferenceNotFound("director_id", [str(director_id)], "director_id: the director does not exist.")
    missing_actors = [str(oid) for oid in actor_list if oid not in actors]
    if missing_actors:
        raise ReferenceNotFound("cast", missing_actors, "cast: these actors do not exist.")
    missing_countries = [code for code in country_list if code not in known_countries]
    if missing_countries:
        raise ReferenceNotFound("countries", missing_countries, "countries: these country codes do not exist.")
    return ReferenceNames(genres=genres, directors=directors, actors=actors)


# -- names joined inside a movie query (``$lookup``), instead of a query per collection ----------

# (collection, the movie's field holding the ids, the field the joined {_id, name} go to)
JOINS = {
    "genres": ("genres", "genre_ids", "_genre_names"),
    "directors": ("directors", "director_id", "_director_names"),
    "actors": ("actors", "cast_actor_ids", "_actor_names"),
}


def name_lookup_stages(*collections: str) -> list[dict[str, object]]:
    """``$lookup`` stages joining ``{_id, name}`` of the referenced documents (an equality join on
    ``_id``: an index lookup per movie on MongoDB and on the embedded server alike), so a page or a
    detail and its names are one command."""
    stages: list[dict[str, object]] = []
    for collection in collections:
        source, local, target = JOINS[collection]
        stages.append({"$lookup": {"from": source, "localField": local, "foreignField": "_id", "as": target}})
    return stages


def joined_names_projection(*collections: str) -> dict[str, int]:
    """Inclusion-projection entries keeping only ``{_id, name}`` of the joined documents."""
    projection: dict[str, int] = {}
    for collection in collections:
        target = JOINS[collection][2]
        projection[f"{target}._id"] = 1
        projection[f"{target}.name"] = 1
    return projection


def pop_joined_names(raw: dict[str, object]) -> ReferenceNames:
    """The names a document got from :func:`name_lookup_stages` (removed from it)."""
    found: dict[str, dict[ObjectId, str]] = {}
    for collection, (_source, _local, target) in JOINS.items():
        joined = raw.pop(target, None)
        entries = joined if isinstance(joined, list) else []
        found[collection] = {
            entry["_id"]: str(entry.get("name", "")) for entry in entries if isinstance(entry, dict) and "_id" in entry
        }
    return ReferenceNames(genres=found["genres"], directors=found["directors"], actors=found["actors"])
