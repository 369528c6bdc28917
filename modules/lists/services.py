"""The list service: every rule and every query of the three personal lists.

Movies are read through the catalog's public interface (injected as a ``MovieCatalog``, so
the rules can be exercised without a catalog); list entries keep only the movie's id and
its availability (``countries``, for the index-backed country filter). Title and year are
resolved when a page is read, with one batched catalog call, so they are never stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

import structlog
from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from app.kernel.errors import ValidationFailed
from app.kernel.pagination import PageParams
from modules.identity import Principal, ensure_owner_or_admin, resolve_user_id, user_exists
from modules.lists.documents import ListEntry
from modules.lists.errors import DuplicateSave, ListOwnerNotFound, MovieNotFound, NotSaved
from modules.lists.rules import (
    ListName,
    ListSort,
    ensure_available,
    listing_filter,
    listing_sort,
    parse_object_id,
)

log = structlog.get_logger("marquee.lists")


class MovieFacts(Protocol):
    """What the lists need to know about a movie (the catalog's ``MovieSummary``)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def release_date(self) -> date | None: ...
    @property
    def countries(self) -> Sequence[str]: ...


class MovieCatalog(Protocol):
    """The catalog's read interface as the lists use it."""

    async def get_movie_summary(self, movie_id: str) -> MovieFacts | None: ...
    async def get_movie_summaries(self, movie_ids: Iterable[str]) -> Mapping[str, MovieFacts]: ...


@dataclass(frozen=True, slots=True)
class AddedEntry:
    movie: MovieFacts
    country: str | None
    date_added: datetime


@dataclass(frozen=True, slots=True)
class PageEntry:
    movie: MovieFacts
    date_added: datetime


def _required_country(list_name: ListName, country: str | None) -> None:
    if list_name.requires_country and country is None:
        raise ValidationFailed.field("country", f"is required for {list_name.value}")


class ListService:
    def __init__(self, catalog: MovieCatalog) -> None:
        self._catalog = catalog

    @staticmethod
    async def owner_of(principal: Principal, user_id: str) -> str:
        """The id of the list's owner, once the caller may use it.

        ``me`` is the caller. Lists are private: another member gets 403 whatever the id (the
        answer never tells whether a user exists). An administrator may use any user's lists;
        an unknown or malformed user id is 404 USER_NOT_FOUND.
        """
        owner_id = resolve_user_id(principal, user_id)
        ensure_owner_or_admin(principal, owner_id)
        if parse_object_id(owner_id) is None:
            raise ListOwnerNotFound()
        if owner_id != principal.id and not await user_exists(owner_id):
            raise ListOwnerNotFound()
        return owner_id

    async def add(self, owner_id: str, list_name: ListName, movie_id: str, country: str | None) -> AddedEntry:
        _required_country(list_name, country)
        movie = await self._catalog.get_movie_summary(movie_id)
        if movie is None:
            raise MovieNotFound()
        ensure_available(movie.countries, country)
        entry = ListEntry(
            user_id=owner_id,
            list_name=list_name.value,
            movie_id=PydanticObjectId(movie.id),
            country=country,
            countries=sorted(set(movie.countries)),
        )
        try:
            await entry.insert()
        except DuplicateKeyError:
            raise DuplicateSave() from None
        return await self._reconcile(entry, movie)

    async def _reconcile(self, entry: ListEntry, seen: MovieFacts) -> AddedEntry:
        """Close the race with a catalog change between reading the movie and inserting the entry.

        A deletion or availability change committed after our read published its event before
        our insert, so its listener missed this entry: read the movie again and catch up.
        """
        current = await self._catalog.get_movie_summary(seen.id)
        if current is None:
            await ListEntry.get_pymongo_collection().delete_one({"_id": entry.id})
            raise MovieNotFound()
        countries = sorted(set(current.countries))
        if countries != entry.countries:
            await ListEntry.get_pymongo_collection().update_one({"_id": entry.id}, {"$set": {"countries": countries}})
        return AddedEntry(movie=current, country=entry.country, date_added=entry.date_added)

    async def page(
        self, owner_id: str, list_name: ListName, country: str | None, sort: ListSort, params: PageParams
    ) -> tuple[list[PageEntry], int]:
        """One page of a list and the list's total: a fixed number of queries whatever the page size.

        One find walking the listing index (see ``listing_index``), one count on the same index (skipped when
        the page shows the end), one batched catalog read for titles and years.
        """
        _required_country(list_name, country)
        query = listing_filter(owner_id, list_name, country)
        collection = ListEntry.get_pymongo_collection()
        cursor = collection.find(
            query,
            {"_id": 0, "movie_id": 1, "date_added": 1},
            sort=listing_sort(sort),
            skip=params.skip,
            limit=params.limit,
        )
        entries = await cursor.to_list()
        if 0 < len(entries) < params.limit or (not entries and params.skip == 0):
            total = params.skip + len(entries)
        else:
            total = await collection.count_documents(query)
        movies = await self._catalog.get_movie_summaries([str(entry["movie_id"]) for entry in entries])
        listed = []
        for entry in entries:
            movie = movies.get(str(entry["movie_id"]))
            if movie is None:
                # deleted an instant ago: its movie.deleted listener is removing the entry
                log.info("list_entry_without_movie", movie_id=str(entry["movie_id"]))
                continue
            listed.append(PageEntry(movie=movie, date_added=entry["date_added"]))
        return listed, total

    async def remove(self, owner_id: str, list_name: ListName, movie_id: str) -> None:
        oid = parse_object_id(movie_id)
        if oid is None:
            raise NotSaved()
        result = await ListEntry.get_pymongo_collection().delete_one(
            {"user_id": owner_id, "list_name": list_name.value, "movie_id": oid}
        )
        if result.deleted_count == 0:
            raise NotSaved()

    async def forget_movie(self, movie_id: str) -> int:
        """A deleted movie leaves every list at once; returns how many entries went."""
        oid = parse_object_id(movie_id)
        if oid is None:
            return 0
        result = await ListEntry.get_pymongo_collection().delete_many({"movie_id": oid})
        return result.deleted_count

    async def set_availability(self, movie_id: str, countries: Iterable[str]) -> int:
        """Refresh the availability copied on every entry of a movie; returns how many changed."""
        oid = parse_object_id(movie_id)
        if oid is None:
            return 0
        result = await ListEntry.get_pymongo_collection().update_many(
            {"movie_id": oid}, {"$set": {"countries": sorted(set(countries))}}
        )
        return result.modified_count
