"""The list service's rules against the real embedded database, with an in-memory catalog.

The three rules the product owner named: the availability filter, duplicate save prevention
(also under concurrent duplicates), and that a saved list respects the country filter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import httpx
import pytest
from bson import ObjectId

from app.kernel.errors import ValidationFailed
from app.kernel.pagination import PageParams
from modules.lists.documents import ListEntry
from modules.lists.errors import DuplicateSave, MovieNotFound, NotSaved, UnavailableInCountry
from modules.lists.rules import ListName
from modules.lists.services import ListService

ALL = PageParams(page=1, page_size=100)


@dataclass
class Movie:
    id: str
    title: str
    year: int
    countries: list[str]
    release_date: date | None = None


@dataclass
class Catalog:
    movies: dict[str, Movie] = field(default_factory=dict)
    batch_reads: int = 0

    def add(self, title: str, countries: list[str], year: int = 2000) -> Movie:
        movie = Movie(str(ObjectId()), title, year, countries)
        self.movies[movie.id] = movie
        return movie

    async def get_movie_summary(self, movie_id: str) -> Movie | None:
        return self.movies.get(movie_id)

    async def get_movie_summaries(self, movie_ids: Iterable[str]) -> dict[str, Movie]:
        self.batch_reads += 1
        return {movie_id: self.movies[movie_id] for movie_id in movie_ids if movie_id in self.movies}


@pytest.fixture
def catalog(api: httpx.AsyncClient) -> Catalog:
    """``api`` opens the runtime on a clean database."""
    return Catalog()


@pytest.fixture
def service(catalog: Catalog) -> ListService:
    return ListService(catalog)


async def _titles(service: ListService, list_name: ListName, country: str | None) -> list[str]:
    entries, _ = await service.page("u1", list_name, country, "date_added", ALL)
    return [entry.movie.title for entry in entries]


# --- the availability filter -------------------------------------------------------------


async def test_saving_for_a_country_needs_the_movie_to_be_available_there(
    service: ListService, catalog: Catalog
) -> None:
    movie = catalog.add("Moana", ["US", "BR"])
    with pytest.raises(UnavailableInCountry):
        await service.add("u1", ListName.SAVED_MOVIES, movie.id, "FR")
    assert await ListEntry.find({"user_id": "u1"}).count() == 0
    added = await service.add("u1", ListName.SAVED_MOVIES, movie.id, "BR")
    assert (added.movie.id, added.country) == (movie.id, "BR")


async def test_saved_movies_require_a_country_other_lists_do_not(service: ListService, catalog: Catalog) -> None:
    movie = catalog.add("Moana", [])
    with pytest.raises(ValidationFailed) as raised:
        await service.add("u1", ListName.SAVED_MOVIES, movie.id, None)
    assert raised.value.details["fields"][0]["field"] == "country"
    with pytest.raises(ValidationFailed):
        await service.page("u1", ListName.SAVED_MOVIES, None, "date_added", ALL)
    await service.add("u1", ListName.FAVORITES, movie.id, None)
    await service.add("u1", ListName.WISHLIST, movie.id, None)
    assert await _titles(service, ListName.FAVORITES, None) == ["Moana"]


async def test_unknown_or_malformed_movie_is_movie_not_found(service: ListService) -> None:
    for movie_id in (str(ObjectId()), "nope"):
        with pytest.raises(MovieNotFound):
            await service.add("u1", ListName.FAVORITES, movie_id, None)


# --- duplicate save prevention -------------------------------------------------------------


async def test_the_same_movie_twice_in_one_list_is_duplicate_save(service: ListService, catalog: Catalog) -> None:
    movie = catalog.add("Moana", ["US"])
    await service.add("u1", ListName.FAVORITES, movie.id, None)
    with pytest.raises(DuplicateSave):
        await service.add("u1", ListName.FAVORITES, movie.id, "US")
    # other lists and other users are independent
    await service.add("u1", ListName.WISHLIST, movie.id, None)
    await service.add("u2", ListName.FAVORITES, movie.id, None)
    assert await ListEntry.find({"movie_id": ObjectId(movie.id)}).count() == 3


async def test_concurrent_duplicates_store_one_entry(service: ListService, catalog: Catalog) -> None:
    movie = catalog.add("Moana", ["US"])
    results = await asyncio.gather(
        *(service.add("u1", ListName.SAVED_MOVIES, movie.id, "US") for _ in range(20)), return_exceptions=True
    )
    assert sum(1 for result in results if not isinstance(result, BaseException)) == 1
    assert all(isinstance(result, DuplicateSave) for result in results if isinstance(result, BaseException))
    assert await ListEntry.find({"user_id": "u1", "movie_id": ObjectId(movie.id)}).count() == 1


# --- a saved list respects the country filter ------------------------------------------------


async def test_saved_list_shows_only_movies_available_in_the_country(service: ListService, catalog: Catalog) -> None:
    both = catalog.add("Both", ["US", "BR"])
    us_only = catalog.add("US only", ["US"])
    br_only = catalog.add("BR only", ["BR"])
    for movie, country in ((both, "US"), (us_only, "US"), (br_only, "BR")):
        await service.add("u1", ListName.SAVED_MOVIES, movie.id, country)
    await service.add("u2", ListName.SAVED_MOVIES, us_only.id, "US")

    assert await _titles(service, ListName.SAVED_MOVIES, "US") == ["Both", "US only"]
    assert await _titles(service, ListName.SAVED_MOVIES, "BR") == ["Both", "BR only"]
    assert await _titles(service, ListName.SAVED_MOVIES, "FR") == []
    _, total = await service.page("u1", ListName.SAVED_MOVIES, "BR", "-date_added", ALL)
    assert total == 2


async def test_availability_change_moves_entries_between_country_listings(
    service: ListService, catalog: Catalog
) -> None:
    movie = catalog.add("Moana", ["US", "BR"])
    await service.add("u1", ListName.SAVED_MOVIES, movie.id, "US")
    await service.add("u1", ListName.FAVORITES, movie.id, None)
    movie.countries = ["US"]
    assert await service.set_availability(movie.id, ["US"]) == 2
    assert await _titles(service, ListName.SAVED_MOVIES, "BR") == []
    assert await _titles(service, ListName.FAVORITES, "BR") == []
    assert await _titles(service, ListName.SAVED_MOVIES, "US") == ["Moana"]
    assert await _titles(service, ListName.FAVORITES, None) == ["Moana"]


async def test_a_page_costs_one_catalog_read_whatever_its_size(service: ListService, catalog: Catalog) -> None:
    for number in range(7):
        await service.add("u1", ListName.WISHLIST, catalog.add(f"M{number}", []).id, None)
    catalog.batch_reads = 0
    entries, total = await service.page("u1", ListName.WISHLIST, None, "-date_added", PageParams(page=2, page_size=3))
    assert (len(entries), total, catalog.batch_reads) == (3, 7, 1)
    assert [entry.movie.title for entry in entries] == ["M3", "M2", "M1"]


async def test_removing_and_forgetting(service: ListService, catalog: Catalog) -> None:
    movie = catalog.add("Moana", [])
    await service.add("u1", ListName.FAVORITES, movie.id, None)
    await service.add("u2", ListName.WISHLIST, movie.id, None)
    with pytest.raises(NotSaved):
        await service.remove("u1", ListName.WISHLIST, movie.id)
    with pytest.raises(NotSaved):
        await service.remove("u1", ListName.FAVORITES, "malformed")
    await service.remove("u1", ListName.FAVORITES, movie.id)
    with pytest.raises(NotSaved):
        await service.remove("u1", ListName.FAVORITES, movie.id)
    assert await service.forget_movie(movie.id) == 1
    assert await ListEntry.find({"movie_id": ObjectId(movie.id)}).count() == 0


# --- catalog changes racing an add ----------------------------------------------------------


@dataclass
class ChangingCatalog(Catalog):
    """Answers the first read of a movie as it was, later reads as ``after`` (None: deleted)."""

    after: Movie | None = None
    reads: int = 0

    async def get_movie_summary(self, movie_id: str) -> Movie | None:
        self.reads += 1
        return self.movies.get(movie_id) if self.reads == 1 else self.after


async def test_movie_deleted_while_being_added_leaves_no_entry(api: httpx.AsyncClient) -> None:
    catalog = ChangingCatalog()
    movie = catalog.add("Moana", ["US"])
    with pytest.raises(MovieNotFound):
        await ListService(catalog).add("u1", ListName.FAVORITES, movie.id, None)
    assert await ListEntry.find({"movie_id": ObjectId(movie.id)}).count() == 0


async def test_availability_changed_while_being_added_is_caught_up(api: httpx.AsyncClient) -> None:
    catalog = ChangingCatalog()
    movie = catalog.add("Moana", ["US", "BR"])
    catalog.after = Movie(movie.id, movie.title, movie.year, ["US"])
    added = await ListService(catalog).add("u1", ListName.SAVED_MOVIES, movie.id, "BR")
    assert list(added.movie.countries) == ["US"]
    entry = await ListEntry.find_one({"movie_id": ObjectId(movie.id)})
    assert entry is not None
    assert entry.countries == ["US"]
