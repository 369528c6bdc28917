"""GET /v1/movies after writes: searches, filters, sorts, hot pages, cached totals, remembered
page windows and page ids, and cached rankings follow movie edits, deletions and rating aggregates
at once."""

from __future__ import annotations

from typing import Any

import httpx
from bson import ObjectId

from modules.catalog import set_rating_aggregate
from modules.catalog.documents import Movie
from tests.integration.accounts import Account
from tests.integration.catalog.listing_support import all_ids, catalog, list_movies
from tests.integration.catalog.test_movies_helpers import Catalog, create_movie

__all__ = ["catalog"]  # fixture used here


async def test_search_follows_edits(api: httpx.AsyncClient, member: Account, catalog: Catalog) -> None:
    url = f"/v1/movies/{catalog.id_of('Moana')}"
    response = await api.patch(url, json={"title": "Vaiana", "synopsis": "Wayfinding."}, headers=member.headers)
    assert response.status_code == 200
    assert await all_ids(api, member, [("q", "vaiana wayfinding")]) == [catalog.id_of("Moana")]
    assert catalog.id_of("Moana") not in await all_ids(api, member, [("q", "ocean")])
    assert await all_ids(api, member, [("title", "VAIA")]) == [catalog.id_of("Moana")]


async def test_rating_filters_and_sort_follow_aggregate_writes(
    api: httpx.AsyncClient, member: Account, catalog: Catalog
) -> None:
    barbie = catalog.id_of("Barbie")
    assert barbie not in await all_ids(api, member, [("max_rating", 10)])
    await set_rating_aggregate(barbie, 9.04, 3, {"9": 3})
    assert (await all_ids(api, member, [("sort", "-rating")]))[0] == barbie
    detail = (await api.get(f"/v1/movies/{barbie}", headers=member.headers)).json()
    assert detail["rating"] == {
        "average": 9.0,
        "count": 3,
        "distribution": {**{str(n): 0 for n in range(1, 11)}, "9": 3},
    }
    assert detail["version"] == 1
    await set_rating_aggregate(barbie, None, 0, {})
    assert barbie not in await all_ids(api, member, [("min_rating", 0)])


async def test_hot_pages_are_invalidated_by_writes(api: httpx.AsyncClient, member: Account, catalog: Catalog) -> None:
    genre = catalog.refs.genres["Thriller"]
    first = await list_movies(api, member, [("genre", genre)])
    again = await list_movies(api, member, [("genre", genre)])
    assert first == again
    assert first["total"] == 1
    created = await create_movie(
        api, member, catalog.refs, "Another Thriller", genre_ids=[genre], release_date="2030-01-01"
    )
    after_create = await list_movies(api, member, [("genre", genre)])
    assert [item["id"] for item in after_create["data"]] == [created["id"], catalog.id_of("The Ocean Thriller")]
    await api.patch(f"/v1/movies/{created['id']}", json={"title": "Renamed"}, headers=member.headers)
    assert (await list_movies(api, member, [("genre", genre)]))["data"][0]["title"] == "Renamed"
    await set_rating_aggregate(created["id"], 5.0, 1, {"5": 1})
    assert (await list_movies(api, member, [("genre", genre)]))["data"][0]["rating"]["average"] == 5.0
    await api.delete(f"/v1/movies/{created['id']}", headers=member.headers)
    assert (await list_movies(api, member, [("genre", genre)]))["total"] == 1


async def test_cached_totals_stay_exact_after_writes(api: httpx.AsyncClient, member: Account, catalog: Catalog) -> None:
    # not hot pages: only the totals are cached, under the listing stamp every write replaces
    years = [("year_from", 1900), ("page", 2)]
    before = (await list_movies(api, member, years))["total"]
    assert (await list_movies(api, member, years))["total"] == before
    created = await create_movie(api, member, catalog.refs, "A Counted Movie", release_date="2001-05-05")
    assert (await list_movies(api, member, years))["total"] == before + 1
    rated = [("min_rating", 7), ("page", 2)]
    rated_before = (await list_movies(api, member, rated))["total"]
    await set_rating_aggregate(created["id"], 8.0, 2, {"8": 2})
    assert (await list_movies(api, member, rated))["total"] == rated_before + 1
    await set_rating_aggregate(created["id"], 3.0, 2, {"3": 2})
    assert (await list_movies(api, member, rated))["total"] == rated_before
    await api.delete(f"/v1/movies/{created['id']}", headers=member.headers)
    assert (await list_movies(api, member, years))["total"] == before


async def test_windowed_pages_stay_exact_after_writes(
    api: httpx.AsyncClient, member: Account, catalog: Catalog
) -> None:
    # the second read of a page uses the window remembered by the first (services._window);
    # writes that move, add or remove movies before the bound must never change what a page holds
    async def check(params: list[tuple[str, Any]]) -> None:
        everything = await all_ids(api, member, params)
        for page in (1, 2, 3):
            for _ in range(2):
                body = await list_movies(api, member, [*params, ("page", page), ("page_size", 2)])
                assert [item["id"] for item in body["data"]] == everything[(page - 1) * 2 : page * 2], params

    listings: list[list[tuple[str, Any]]] = [
        [("year_from", 1900)],
        [("year_from", 1900), ("sort", "-rating")],
        [("year_from", 1900), ("sort", "title")],
        [("year_from", 1900), ("sort", "-release_date")],
        [("genre", catalog.refs.genres["Animation"]), ("sort", "-title")],
    ]
    for params in listings:
        await check(params)
    first = (await all_ids(api, member, [("year_from", 1900)]))[0]
    await api.delete(f"/v1/movies/{first}", headers=member.headers)
    for title in ("Zz Newest", "Aa Oldest"):
        created = await create_movie(api, member, catalog.refs, title, release_date="2031-02-02")
        await set_rating_aggregate(created["id"], 9.5, 1, {"10": 1})
    await set_rating_aggregate(catalog.id_of("Barbie"), 1.0, 1, {"1": 1})
    for params in listings:
        await check(params)


async def test_rating_writes_keep_other_totals_and_refresh_rating_totals(
    api: httpx.AsyncClient, member: Account, catalog: Catalog
) -> None:
    from modules.catalog import set_rating_aggregates

    rated = [("min_rating", 5), ("page", 2)]
    everything = [("year_from", 1900), ("page", 2)]
    rated_before = (await list_movies(api, member, rated))["total"]
    all_before = (await list_movies(api, member, everything))["total"]
    barbie, moana = catalog.id_of("Barbie"), catalog.id_of("Moana 2")
    assert await set_rating_aggregates([(barbie, 6.0, 1, {"6": 1}), (moana, 6.0, 1, {"6": 1})]) == 2
    assert (await list_movies(api, member, rated))["total"] == rated_before + 2
    assert (await list_movies(api, member, everything))["total"] == all_before
    await set_rating_aggregate(barbie, None, 0, {})
    assert (await list_movies(api, member, rated))["total"] == rated_before + 1


async def test_cached_rankings_follow_writes(
    api: httpx.AsyncClient, member: Account, admin: Account, catalog: Catalog
) -> None:
    # a relevance ranking is cached per stamp: edits and deletions after it must show at once
    query = [("q", "ocean"), ("page_size", 1)]
    first = await list_movies(api, member, [*query, ("page", 1)])
    assert first == await list_movies(api, member, [*query, ("page", 1)])
    assert (first["total"], catalog.title_of(first["data"][0]["id"])) == (3, "The Ocean Thriller")
    barbie = f"/v1/movies/{catalog.id_of('Barbie')}"
    assert (await api.patch(barbie, json={"title": "Ocean Ocean"}, headers=admin.headers)).status_code == 200
    after_edit = await list_movies(api, member, [*query, ("page", 1)])
    assert (after_edit["data"][0]["id"], after_edit["data"][0]["title"]) == (catalog.id_of("Barbie"), "Ocean Ocean")
    assert (await api.delete(barbie, headers=admin.headers)).status_code == 204
    walked = [(await list_movies(api, member, [*query, ("page", page)]))["data"] for page in (1, 2, 3)]
    assert [catalog.title_of(items[0]["id"]) for items in walked[:2]] == ["The Ocean Thriller", "Moana"]
    assert walked[2] == []
    assert (await list_movies(api, member, [*query, ("page", 3)]))["total"] == 2


async def test_a_sorted_page_is_read_again_by_its_ids(
    api: httpx.AsyncClient, member: Account, admin: Account, catalog: Catalog
) -> None:
    # the page remembers which movies it held under the stamps: a change written behind the
    # cache's back (no new stamp) shows in their content at once, not in which movies the page holds
    params = [("year_from", 1900), ("sort", "title"), ("page", 2), ("page_size", 2)]
    first = await list_movies(api, member, params)
    held = [item["id"] for item in first["data"]]
    assert len(held) == 2
    await Movie.get_pymongo_collection().update_one(
        {"_id": ObjectId(held[0])}, {"$set": {"title": "Zz Behind The Cache", "title_key": "zz behind the cache"}}
    )
    again = await list_movies(api, member, params)
    assert [item["id"] for item in again["data"]] == held
    assert again["data"][0]["title"] == "Zz Behind The Cache"
    # a write through the API replaces the stamps: the page is read in order again
    edited = await api.patch(f"/v1/movies/{held[1]}", json={"synopsis": "Edited."}, headers=admin.headers)
    assert edited.status_code == 200, edited.text
    everything = await all_ids(api, member, [("year_from", 1900), ("sort", "title")])
    assert everything[-1] == held[0]
    assert [item["id"] for item in (await list_movies(api, member, params))["data"]] == everything[2:4]


async def test_a_sorted_page_whose_movie_is_gone_is_read_in_order(
    api: httpx.AsyncClient, member: Account, catalog: Catalog
) -> None:
    # a movie deleted while the page's stamps are still current (its write has not replaced them
    # yet) must not leave a short page: the remembered ids are given up for the ordered read
    # (not a hot page: those are cached whole until the next write replaces their stamp)
    params = [("genre", catalog.refs.genres["Animation"]), ("year_from", 1900), ("sort", "-year"), ("page_size", 2)]
    first = [item["id"] for item in (await list_movies(api, member, params))["data"]]
    assert len(first) == 2
    await Movie.get_pymongo_collection().delete_one({"_id": ObjectId(first[0])})
    after = await list_movies(api, member, params)
    assert len(after["data"]) == 2
    assert after["data"][0]["id"] == first[1]


async def test_sorted_pages_by_rating_follow_aggregates_alone(
    api: httpx.AsyncClient, member: Account, catalog: Catalog
) -> None:
    # no movie write in between: only the ratings stamp tells the pages ordered or filtered by
    # rating that their remembered ids are stale (the others keep theirs)
    by_rating = [("year_from", 1900), ("sort", "-rating"), ("page_size", 2)]
    rated_by_title = [("min_rating", 1), ("sort", "title"), ("page_size", 2)]
    await list_movies(api, member, by_rating)
    await list_movies(api, member, rated_by_title)
    aladdin = catalog.id_of("aladdin")
    await set_rating_aggregate(aladdin, 9.9, 1, {"10": 1})
    assert (await list_movies(api, member, by_rating))["data"][0]["id"] == aladdin
    assert (await list_movies(api, member, rated_by_title))["data"][0]["id"] == aladdin
