"""Reference checks and name resolution: one ``$in`` query per referenced collection.

Whatever the cast size or page size, a movie (or a batch of movies) costs at most one query on
genres, one on directors, one on actors and one on countries, run concurrently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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


# the two fields of a page gathered by :func:`page_name_stages`
PAGE_DOCUMENTS = "documents"
PAGE_NAMES = "names"
_PAGE_IDS = "_ids"


def page_name_stages(collection: str) -> list[dict[str, object]]:
    """The last stage of a page's aggregation: the page and the ``{_id, name}`` of every
    ``collection`` document its movies reference, with ONE ``$lookup`` whatever the page size.

    A ``$facet`` passes the page through unchanged and in order (``documents``) and, on the side,
    gathers the page's distinct ids into one document (``$group``, ``$reduce``) that a single
    equality join on ``_id`` resolves (``names``). A ``$lookup`` per movie would read the names of
    each movie's genres separately (the same genre again for every movie it tags) and copy every
    movie, which on the embedded server costs more than the page query itself. Read the result with
    :func:`split_page`.
    """
    source, local, target = JOINS[collection]
    names: list[dict[str, object]] = [
        {"$group": {"_id": None, _PAGE_IDS: {"$push": {"$ifNull": [f"${local}", []]}}}},
        {
            "$project": {
                "_id": 0,
                _PAGE_IDS: {
                    "$reduce": {
                        "input": f"${_PAGE_IDS}",
                        "initialValue": [],
                        "in": {"$concatArrays": ["$$value", "$$this"]},
                    }
                },
            }
        },
        {"$lookup": {"from": source, "localField": _PAGE_IDS, "foreignField": "_id", "as": target}},
        {"$project": joined_names_projection(collection)},
    ]
    # a $facet sub-pipeline may not be empty (on MongoDB): an always-true $match passes the page on
    return [{"$facet": {PAGE_DOCUMENTS: [{"$match": {}}], PAGE_NAMES: names}}]


def split_page(results: list[dict[str, Any]], collection: str) -> tuple[list[dict[str, Any]], dict[ObjectId, str]]:
    """``(the page's documents in order, {id: name} of their ``collection`` references)`` out of
    an aggregation ended by :func:`page_name_stages` (an empty page has no names)."""
    if not results:
        return [], {}
    gathered = results[0]
    target = JOINS[collection][2]
    names: dict[ObjectId, str] = {}
    for joined in gathered.get(PAGE_NAMES) or []:
        names.update(_pop_names(joined, target))
    return list(gathered.get(PAGE_DOCUMENTS) or []), names


def joined_names_projection(*collections: str) -> dict[str, int]:
    """Inclusion-projection entries keeping only ``{_id, name}`` of the joined documents."""
    projection: dict[str, int] = {}
    for collection in collections:
        target = JOINS[collection][2]
        projection[f"{target}._id"] = 1
        projection[f"{target}.name"] = 1
    return projection


def _pop_names(raw: dict[str, Any], target: str) -> dict[ObjectId, str]:
    joined = raw.pop(target, None)
    entries = joined if isinstance(joined, list) else []
    return {entry["_id"]: str(entry.get("name", "")) for entry in entries if isinstance(entry, dict) and "_id" in entry}


def pop_joined_names(raw: dict[str, Any]) -> ReferenceNames:
    """The names a document got from :func:`name_lookup_stages` (removed from it)."""
    found = {collection: _pop_names(raw, target) for collection, (_source, _local, target) in JOINS.items()}
    return ReferenceNames(genres=found["genres"], directors=found["directors"], actors=found["actors"])
