"""GET /v1/movies: the genre names of a page (joined once for the whole page) on every read path:
the sorted page with and without its window, the relevance-ranked page, an empty page, and a genre
reference whose genre document is gone."""

from __future__ import annotations

from typing import Any

import httpx

from app.kernel import runtime
from modules.catalog.documents import Genre
from tests.integration.accounts import Account
from tests.integration.catalog.listing_support import list_movies
from tests.integration.catalog.test_movies_helpers import References, create_movie, make_references

# title -> genre names in the order the movie lists them (shared genres, several per movie)
GENRES_OF = {
    "Silent Harbor": ["Thriller", "Drama"],
    "Silent Meadow": ["Drama"],
    "Silent Orchard": ["Comedy", "Animation", "Drama"],
    "Silent Quarry": ["Animation"],
    "Silent Summit": ["Comedy", "Thriller"],
}


async def _catalog(api: httpx.AsyncClient, member: Account) -> References:
    refs = await make_references()
    for title, names in GENRES_OF.items():
        await create_movie(api, member, refs, title, genre_ids=[refs.genres[name] for name in names])
    return refs


def _expected(refs: References, title: str, missing: str | None = None) -> list[dict[str, Any]]:
    return [{"id": refs.genres[name], "name": None if name == missing else name} for name in GENRES_OF[title]]


def _genres_by_title(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {item["title"]: item["genres"] for item in body["data"]}


async def test_every_item_of_a_sorted_page_gets_its_genre_names_in_order(
    api: httpx.AsyncClient, member: Account
) -> None:
    refs = await _catalog(api, member)
    # a title filter is never a cached page: each read is served by MongoDB (the second by its window)
    params = [("title", "silent"), ("sort", "title"), ("page_size", 2)]
    for page in (1, 2, 3):
        for _ in range(2):
            body = await list_movies(api, member, [*params, ("page", page)])
            titles = sorted(GENRES_OF)[(page - 1) * 2 : page * 2]
            assert [item["title"] for item in body["data"]] == titles
            assert _genres_by_title(body) == {title: _expected(refs, title) for title in titles}
            assert body["total"] == len(GENRES_OF)


async def test_ranked_page_gets_its_genre_names(api: httpx.AsyncClient, member: Account) -> None:
    refs = await _catalog(api, member)
    body = await list_movies(api, member, [("q", "silent"), ("page_size", 100)])
    assert _genres_by_title(body) == {title: _expected(refs, title) for title in GENRES_OF}


async def test_a_page_past_the_end_is_empty(api: httpx.AsyncClient, member: Account) -> None:
    await _catalog(api, member)
    for params in ([("title", "silent"), ("sort", "title")], [("q", "silent")]):
        body = await list_movies(api, member, [*params, ("page", 9), ("page_size", 2)])
        assert (body["data"], body["total"]) == ([], len(GENRES_OF))


async def test_a_genre_gone_from_the_database_has_no_name_and_the_others_keep_theirs(
    api: httpx.AsyncClient, member: Account
) -> None:
    refs = await _catalog(api, member)
    gone = await Genre.get_pymongo_collection().delete_one({"name": "Drama"})
    assert gone.deleted_count == 1
    await runtime.current().redis.flushdb()
    for params in ([("title", "silent"), ("sort", "title")], [("q", "silent")]):
        body = await list_movies(api, member, [*params, ("page_size", 100)])
        assert _genres_by_title(body) == {title: _expected(refs, title, missing="Drama") for title in GENRES_OF}
