"""The catalog's public interface (for lists, ratings, exports), the caches and round trips."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import httpx
import pytest
from bson import ObjectId

import modules.catalog.services._export as export_module
from app.kernel import runtime
from modules.catalog import (
    MovieListFilters,
    MovieSummary,
    count_movies,
    get_movie_summaries,
    get_movie_summary,
    iter_movies_for_export,
    movie_exists,
    set_rating_aggregate,
)
from modules.catalog.documents import Movie
from modules.catalog.services import ActorService, movie_cache
from modules.catalog.services._export import export_rows
from tests.integration.accounts import Account
from tests.integration.catalog.test_movies_helpers import (
    MALFORMED_IDS,
    MISSING_ID,
    build_catalog,
    create_movie,
    make_references,
)

TEN_ZEROS = {str(n): 0 for n in range(1, 11)}


async def test_summaries_and_existence(api: httpx.AsyncClient, member: Account) -> None:
    refs = await make_references()
    moana = await create_movie(api, member, refs)
    old = await create_movie(api, member, refs, "Old", release_date=..., year=1950, countries=[])
    assert await get_movie_summary(moana["id"]) == MovieSummary(
        id=moana["id"], title="Moana", year=2016, release_date=date(2016, 11, 23), countries=("US", "BR")
    )
    assert await get_movie_summary(old["id"]) == MovieSummary(
        id=old["id"], title="Old", year=1950, release_date=None, countries=()
    )
    for bad in [MISSING_ID, *MALFORMED_IDS, ""]:
        assert await get_movie_summary(bad) is None
        assert await movie_exists(bad) is False
    assert await movie_exists(moana["id"]) is True
    summaries = await get_movie_summaries([moana["id"], MISSING_ID, "bad", old["id"], moana["id"]])
    assert set(summaries) == {moana["id"], old["id"]}
    assert summaries[old["id"]].title == "Old"
    assert await get_movie_summaries([]) == {}


async def test_set_rating_aggregate(api: httpx.AsyncClient, member: Account) -> None:
    refs = await make_references()
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    await set_rating_aggregate(movie["id"], 7.649, 4, {"7": 2, "8": 2, "11": 5})
    for _ in range(2):  # idempotent
        detail = (await api.get(url, headers=member.headers)).json()
        assert detail["rating"] == {"average": 7.6, "count": 4, "distribution": {**TEN_ZEROS, "7": 2, "8": 2}}
        assert detail["version"] == 1
        await set_rating_aggregate(movie["id"], 7.649, 4, {"7": 2, "8": 2})
    await set_rating_aggregate(movie["id"], 5.0, 0, {})
    detail = (await api.get(url, headers=member.headers)).json()
    assert detail["rating"] == {"average": None, "count": 0, "distribution": TEN_ZEROS}
    for bad in [MISSING_ID, "bad"]:
        await set_rating_aggregate(bad, 9.0, 1, {"9": 1})


async def test_detail_is_cached_until_a_write(api: httpx.AsyncClient, member: Account) -> None:
    refs = await make_references()
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    assert (await api.get(url, headers=member.headers)).json() == movie
    # a change behind the service's back is not seen: the detail comes from Redis
    collection = Movie.get_pymongo_collection()
    await collection.update_one({"_id": ObjectId(movie["id"])}, {"$set": {"synopsis": "Changed in the database."}})
    assert (await api.get(url, headers=member.headers)).json()["synopsis"] == movie["synopsis"]
    # any write through the catalog invalidates it
    await set_rating_aggregate(movie["id"], 8.0, 1, {"8": 1})
    fresh = (await api.get(url, headers=member.headers)).json()
    assert fresh["synopsis"] == "Changed in the database."
    assert fresh["rating"]["average"] == 8.0
    # with the cache emptied (or Redis restarted), reads still answer from MongoDB
    await runtime.current().redis.flushdb()
    assert (await api.get(url, headers=member.headers)).json() == fresh


async def test_a_stale_read_cannot_refill_the_cache(api: httpx.AsyncClient, member: Account) -> None:
    """A reader that took the stamp before a write stores under a stamp nobody reads any more."""
    refs = await make_references()
    movie = await create_movie(api, member, refs)
    cache = movie_cache()
    stamp, cached = await cache.get_detail(movie["id"])
    assert cached is None
    await set_rating_aggregate(movie["id"], 9.0, 1, {"9": 1})  # the write lands meanwhile
    await cache.put_detail(movie["id"], stamp, {**movie, "title": "Stale"})
    detail = (await api.get(f"/v1/movies/{movie['id']}", headers=member.headers)).json()
    assert detail["title"] == "Moana"
    assert detail["rating"]["average"] == 9.0


async def _operations() -> int:
    status = await runtime.current().db.command("serverStatus")
    counters: dict[str, Any] = status["opcounters"]
    return sum(int(counters.get(name, 0)) for name in ("query", "getmore", "command"))


async def _commands(api: httpx.AsyncClient, account: Account, url: str, *, uncached: bool) -> int:
    """The fewest commands of two reads of ``url`` (the ``serverStatus`` reading the counters is
    one of them): identity re-reads its cache epoch at most once a second per process, and that
    read may fall into either measurement. ``uncached``: Redis is emptied before each read and the
    caller's auth state read back first, so that only ``url``'s own MongoDB work is counted."""
    counts = []
    for _ in range(2):
        if uncached:
            await runtime.current().redis.flushdb()
            assert (await api.get("/v1/users/me", headers=account.headers)).status_code == 200
        before = await _operations()
        response = await api.get(url, headers=account.headers)
        assert response.status_code == 200
        counts.append(await _operations() - before)
    return min(counts)


async def test_round_trips_do_not_grow_with_cast_or_page_size(api: httpx.AsyncClient, member: Account) -> None:
    refs = await make_references()
    actors = [str((await ActorService().create(f"Actor {n}", None, None)).id) for n in range(60)]
    small = await create_movie(api, member, refs, "Small")
    big = await create_movie(
        api,
        member,
        refs,
        "Big",
        genre_ids=list(refs.genres.values()),
        cast=[{"actor_id": actor, "character": f"Role {n}"} for n, actor in enumerate(actors)],
    )
    for n in range(25):
        await create_movie(api, member, refs, f"Filler {n}", genre_ids=list(refs.genres.values())[: 1 + n % 4])

    async def cost(url: str) -> int:
        return await _commands(api, member, url, uncached=True)

    assert await cost(f"/v1/movies/{small['id']}") == await cost(f"/v1/movies/{big['id']}")
    assert await cost("/v1/movies?page_size=1&title=e") == await cost("/v1/movies?page_size=100&title=e")
    assert await cost("/v1/movies?page_size=2&q=filler") == await cost("/v1/movies?page_size=100&q=filler")


async def test_export_stream_and_count(
    api: httpx.AsyncClient, member: Account, other_member: Account, admin: Account
) -> None:
    catalog = await build_catalog(api, member, other_member, admin)
    filters = MovieListFilters(sort="title")
    rows = [row async for row in iter_movies_for_export(filters)]
    assert [row.title for row in rows] == [
        "aladdin",
        "Barbie",
        "Hercules",
        "Lady Bird",
        "Little Women",
        "Moana",
        "Moana 2",
        "The Ocean Thriller",
    ]
    moana = next(row for row in rows if row.title == "Moana")
    assert moana.id == catalog.id_of("Moana")
    assert moana.genres == ("Animation", "Comedy")
    assert moana.director == "Ron Clements"
    assert moana.cast == ("Auli'i Cravalho", "Dwayne Johnson")
    assert moana.countries == ("US", "BR")
    assert (moana.rating_average, moana.rating_count) == (7.6, 10)
    assert (moana.year, moana.release_date, moana.runtime_minutes) == (2016, date(2016, 11, 23), 107)
    assert moana.created_by == "alice"
    assert moana.created_at.tzinfo is not None
    barbie = next(row for row in rows if row.title == "Barbie")
    assert (barbie.rating_average, barbie.rating_count, barbie.cast) == (None, 0, ())

    small_batches = [row async for row in export_rows(filters, batch_size=3)]
    assert small_batches == rows

    genre = catalog.refs.genres["Animation"]
    animated = MovieListFilters.model_validate({"genre": genre, "country": "US"})
    assert await count_movies(animated) == 3
    assert [row.title async for row in iter_movies_for_export(animated)] == ["Moana 2", "Moana", "Hercules"]
    searched = [row.title async for row in iter_movies_for_export(MovieListFilters(q="ocean"))]
    assert searched[0] == "The Ocean Thriller"
    assert await count_movies(MovieListFilters(q="ocean")) == 3
    assert await count_movies(MovieListFilters()) == 8


async def test_unfiltered_exports_follow_the_listing_order_across_years_and_batches(
    api: httpx.AsyncClient, member: Account, other_member: Account, admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the year order is read a span of years at a time, ahead of the consumer: same rows, same order
    refs = (await build_catalog(api, member, other_member, admin)).refs
    for n in range(5):  # ties within a year are ordered by id
        await create_movie(api, member, refs, f"Tied {n}", year=2016, release_date="2016-01-01")
    for sort in (None, "year", "-year", "title"):
        params = {"page_size": 100} | ({"sort": sort} if sort else {})
        listed = [
            item["id"] for item in (await api.get("/v1/movies", params=params, headers=member.headers)).json()["data"]
        ]
        filters = MovieListFilters(sort=sort) if sort else MovieListFilters()
        # spans of one year, of ~40 years, of every year (the catalog is 13 movies)
        for chunk_docs in (0.01, 2, 2_000):
            monkeypatch.setattr(export_module, "YEAR_CHUNK_DOCS", chunk_docs)
            for batch_size in (1, 2, 300):
                exported = [row.id async for row in export_rows(filters, batch_size=batch_size)]
                assert exported == listed, (sort, chunk_docs, batch_size)


async def test_an_export_stopped_early_leaves_no_reader_running(api: httpx.AsyncClient, member: Account) -> None:
    refs = await make_references()
    for n in range(6):
        await create_movie(api, member, refs, f"Early {n}", year=2000 + n, release_date=f"{2000 + n}-01-01")
    rows = export_rows(MovieListFilters(), batch_size=1)
    first = [await anext(rows) for _ in range(2)]
    assert len(first) == 2
    await rows.aclose()
    readers = [task for task in asyncio.all_tasks() if "fill" in repr(task.get_coro())]
    assert readers == []
    assert len([row async for row in export_rows(MovieListFilters(), batch_size=1)]) == 6


async def test_a_search_matching_more_than_a_batch_costs_two_commands(api: httpx.AsyncClient, member: Account) -> None:
    # the ranking (every matching id) comes back in the first batch, not in getMores
    refs = await make_references()
    first = await create_movie(api, member, refs, "Lantern 0")
    stored = await Movie.get_pymongo_collection().find_one({"_id": ObjectId(first["id"])})
    assert stored is not None
    copies = []
    for n in range(1, 150):
        copy = {**stored, "_id": ObjectId(), "title": f"Lantern {n}", "title_key": f"lantern {n}"}
        copies.append(copy)
    await Movie.get_pymongo_collection().insert_many(copies)

    page = "/v1/movies?q=lantern&page_size=5&page=3"
    # the ranking, then the page's movies (the serverStatus that reads the counters is one more)
    assert await _commands(api, member, page, uncached=True) == 3
    response = await api.get(page, headers=member.headers)
    assert response.json()["total"] == 150
    assert len(response.json()["data"]) == 5

    last = "/v1/movies?q=lantern&page_size=100&page=2"
    assert await _commands(api, member, last, uncached=False) == 2  # the ranking is cached: the page only
    response = await api.get(last, headers=member.headers)
    assert response.json()["total"] == 150
    assert len(response.json()["data"]) == 50
