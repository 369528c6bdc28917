"""GET /v1/movies: every filter and sort over a known catalog, combinations, relevance, paging,
bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from modules.catalog.text import name_key
from tests.integration.accounts import Account
from tests.integration.catalog.listing_support import all_ids, catalog, list_movies
from tests.integration.catalog.test_movies_helpers import (
    MISSING_ID,
    Catalog,
    create_movie,
    validation_fields,
)

__all__ = ["catalog"]  # fixture used here

LIST_ITEM_KEYS = {"id", "title", "year", "release_date", "runtime_minutes", "genres", "countries", "rating"}


async def test_list_items_and_envelope(api: httpx.AsyncClient, member: Account, catalog: Catalog) -> None:
    body = await list_movies(api, member)
    assert set(body) == {"data", "page", "page_size", "total"}
    assert (body["page"], body["page_size"], body["total"]) == (1, 20, 8)
    item = next(item for item in body["data"] if item["title"] == "Moana")
    assert set(item) >= LIST_ITEM_KEYS
    assert item["genres"] == [
        {"id": catalog.refs.genres["Animation"], "name": "Animation"},
        {"id": catalog.refs.genres["Comedy"], "name": "Comedy"},
    ]
    assert item["rating"]["average"] == 7.6
    assert item["rating"]["count"] == 10
    assert set(item["rating"]["distribution"]) == {str(n) for n in range(1, 11)}
    assert (item["year"], item["release_date"], item["runtime_minutes"]) == (2016, "2016-11-23", 107)
    lady_bird = next(item for item in body["data"] if item["title"] == "Lady Bird")
    assert lady_bird["release_date"] is None


def _sort_key(catalog: Catalog, sort: str) -> Callable[[dict[str, Any]], Any]:
    field = sort.lstrip("-")

    def key(movie: dict[str, Any]) -> Any:
        value: Any
        if field == "title":
            value = name_key(movie["title"])
        elif field == "rating":
            value = catalog.ratings.get(movie["title"], -1.0)
        elif field == "runtime":
            value = movie["runtime_minutes"]
        elif field == "release_date":
            value = movie["release_date"] or ""  # null sorts before every date, as in MongoDB
        else:
            value = movie[field]
        return (value, movie["id"])

    return key


SORTS = [
    "year",
    "-year",
    "title",
    "-title",
    "rating",
    "-rating",
    "runtime",
    "-runtime",
    "release_date",
    "-release_date",
    "created_at",
    "-created_at",
]


async def test_every_sort_orders_the_known_set(api: httpx.AsyncClient, member: Account, catalog: Catalog) -> None:
    for sort in SORTS:
        expected = sorted(catalog.movies.values(), key=_sort_key(catalog, sort), reverse=sort.startswith("-"))
        got = await all_ids(api, member, [("sort", sort)])
        assert [catalog.title_of(i) for i in got] == [m["title"] for m in expected], sort
    default = await all_ids(api, member)
    assert default == await all_ids(api, member, [("sort", "-year")])
    # ties: Moana and The Ocean Thriller share 2016; Moana and Lady Bird share a 7.6 average
    by_year = [catalog.title_of(i) for i in default]
    first, second = sorted(["Moana", "The Ocean Thriller"], key=catalog.id_of, reverse=True)
    assert by_year.index(first) + 1 == by_year.index(second)


async def test_every_filter(api: httpx.AsyncClient, member: Account, other_member: Account, catalog: Catalog) -> None:
    g, d, a = catalog.refs.genres, catalog.refs.directors, catalog.refs.actors
    cases: list[tuple[list[tuple[str, Any]], set[str]]] = [
        ([("title", "moana")], catalog.ids("Moana", "Moana 2")),
        ([("title", "OCEAN thr")], catalog.ids("The Ocean Thriller")),
        ([("title", "MOANA 2")], catalog.ids("Moana 2")),
        ([("genre", g["Animation"])], catalog.ids("Moana", "Hercules", "aladdin", "Moana 2")),
        ([("genre", g["Animation"]), ("genre", g["Comedy"])], catalog.ids("Moana", "Hercules")),
        ([("genre", g["Animation"].upper())], catalog.ids("Moana", "Hercules", "aladdin", "Moana 2")),
        ([("genre", MISSING_ID)], set()),
        ([("year", 2016)], catalog.ids("Moana", "The Ocean Thriller")),
        ([("year_from", 2019)], catalog.ids("Little Women", "Barbie", "Moana 2")),
        ([("year_to", 1997)], catalog.ids("Hercules", "aladdin")),
        ([("year_from", 2016), ("year_to", 2017)], catalog.ids("Moana", "The Ocean Thriller", "Lady Bird")),
        ([("year", 2016), ("year_from", 2017)], set()),
        ([("released_from", "2016-06-01")], catalog.ids("Moana", "Little Women", "Barbie", "Moana 2")),
        ([("released_to", "2016-05-01")], catalog.ids("The Ocean Thriller", "Hercules", "aladdin")),
        ([("released_from", "2016-05-01"), ("released_to", "2016-11-23")], catalog.ids("Moana", "The Ocean Thriller")),
        ([("country", "BR")], catalog.ids("Moana", "The Ocean Thriller")),
        ([("country", "FR")], catalog.ids("Little Women", "Barbie")),
        ([("country", "JP")], set()),
        ([("director", d["Greta Gerwig"])], catalog.ids("Little Women", "Lady Bird", "Barbie")),
        ([("actor", a["Dwayne Johnson"])], catalog.ids("Moana", "Hercules")),
        ([("actor", a["Auli'i Cravalho"])], catalog.ids("Moana", "aladdin", "Moana 2")),
        ([("min_rating", 7.6)], catalog.ids("Moana", "Lady Bird", "Little Women")),
        ([("max_rating", 7.6)], catalog.ids("Moana", "Lady Bird", "Hercules")),
        ([("min_rating", 0)], catalog.ids("Moana", "Lady Bird", "Little Women", "Hercules")),
        ([("min_rating", 6.5), ("max_rating", 8)], catalog.ids("Moana", "Lady Bird")),
        ([("runtime_min", 107)], catalog.ids("Moana", "Moana 2", "Little Women", "The Ocean Thriller", "Barbie")),
        ([("runtime_max", 94)], catalog.ids("Lady Bird", "Hercules", "aladdin")),
        ([("runtime_min", 100), ("runtime_max", 114)], catalog.ids("Moana", "Moana 2", "Barbie")),
        ([("created_by", member.id)], catalog.ids("Moana", "Little Women", "Moana 2")),
        ([("created_by", "me")], catalog.ids("Moana", "Little Women", "Moana 2")),
        ([("created_by", other_member.id)], catalog.ids("Lady Bird", "Hercules")),
        ([("q", "ocean")], catalog.ids("The Ocean Thriller", "Moana", "Barbie")),
        ([("q", "MOANA")], catalog.ids("Moana", "Moana 2")),
        ([("q", "the of")], set()),
        ([("q", "sisters sacramento")], catalog.ids("Little Women", "Lady Bird")),
    ]
    for params, expected in cases:
        got = await all_ids(api, member, params)
        assert len(got) == len(set(got)), params
        assert {catalog.title_of(i) for i in got} == {catalog.title_of(i) for i in expected}, params


async def test_filters_combine(api: httpx.AsyncClient, member: Account, catalog: Catalog) -> None:
    g, d = catalog.refs.genres, catalog.refs.directors
    cases: list[tuple[list[tuple[str, Any]], list[str]]] = [
        (
            [("genre", g["Comedy"]), ("country", "US"), ("year_from", 2000), ("sort", "year")],
            ["Moana", "Lady Bird", "Barbie"],
        ),
        (
            [("director", d["Ron Clements"]), ("genre", g["Animation"]), ("sort", "title")],
            ["aladdin", "Hercules", "Moana", "Moana 2"],
        ),
        ([("q", "moana"), ("country", "US"), ("sort", "-runtime")], ["Moana 2", "Moana"]),
        ([("title", "o"), ("min_rating", 7), ("sort", "-rating")], ["Little Women", "Moana"]),
        (
            [("country", "US"), ("runtime_max", 110), ("released_from", "1990-01-01"), ("sort", "release_date")],
            ["Hercules", "Moana", "Moana 2"],
        ),
        ([("created_by", "me"), ("genre", g["Animation"]), ("sort", "created_at")], ["Moana", "Moana 2"]),
        ([("actor", catalog.refs.actors["Saoirse Ronan"]), ("country", "FR")], ["Little Women"]),
    ]
    for params, titles in cases:
        got = await all_ids(api, member, params)
        assert [catalog.title_of(i) for i in got] == titles, params


async def test_relevance_ranking(api: httpx.AsyncClient, member: Account, catalog: Catalog) -> None:
    # title hits weigh 3, synopsis hits 1: the Ocean Thriller (title) before Moana and Barbie (synopsis)
    ranked = [catalog.title_of(i) for i in await all_ids(api, member, [("q", "ocean")])]
    assert ranked[0] == "The Ocean Thriller"
    assert ranked[1:] == sorted(["Moana", "Barbie"], key=catalog.id_of, reverse=True)
    # "moana" scores 3 + 1 for both (title, and synopsis or title in the search tokens): newest id first
    assert [catalog.title_of(i) for i in await all_ids(api, member, [("q", "moana")])] == ["Moana 2", "Moana"]
    # with sort, the sort wins over relevance
    by_year = [catalog.title_of(i) for i in await all_ids(api, member, [("q", "ocean"), ("sort", "year")])]
    assert by_year == ["Moana", "The Ocean Thriller", "Barbie"]
    # accents and case fold: "MOÁNA" finds moana
    assert len(await all_ids(api, member, [("q", "MOÁNA sails")])) == 2


async def test_pages_walk_every_sort_without_gaps_or_duplicates(
    api: httpx.AsyncClient, member: Account, catalog: Catalog
) -> None:
    for sort in [*SORTS, None]:
        params: list[tuple[str, Any]] = [("sort", sort)] if sort else [("q", "moana ocean sisters hero")]
        everything = await all_ids(api, member, params)
        walked: list[str] = []
        for page in range(1, 5):
            body = await list_movies(api, member, [*params, ("page", page), ("page_size", 3)])
            assert (body["page"], body["page_size"], body["total"]) == (page, 3, len(everything))
            walked.extend(item["id"] for item in body["data"])
        assert walked == everything, sort
    past = await list_movies(api, member, [("page", 50), ("page_size", 100)])
    assert (past["data"], past["total"]) == ([], 8)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("country=usa", "country"),
        ("country=us", "country"),
        ("country=U1", "country"),
        ("sort=password", "sort"),
        ("sort=-password", "sort"),
        ("sort=", "sort"),
        ("year=abc", "year"),
        ("year=1877", "year"),
        ("year=2101", "year"),
        ("year_from=1800", "year_from"),
        ("year_to=99999", "year_to"),
        ("released_from=2016-13-01", "released_from"),
        ("released_to=2016/01/01", "released_to"),
        ("released_from=yesterday", "released_from"),
        ("min_rating=11", "min_rating"),
        ("min_rating=-1", "min_rating"),
        ("max_rating=nan", "max_rating"),
        ("min_rating=abc", "min_rating"),
        ("runtime_min=abc", "runtime_min"),
        ("runtime_max=-1", "runtime_max"),
        ("runtime_max=1.5", "runtime_max"),
        ("genre=abc", "genre"),
        ("genre=0123456789abcdef0123456z", "genre"),
        ("director=xyz", "director"),
        ("actor=0123456789abcdef0123456z", "actor"),
        ("created_by=someone", "created_by"),
        ("title=", "title"),
        ("q=", "q"),
        (f"title={'x' * 201}", "title"),
        ("page=0", "page"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page=abc", "page"),
        ("year=2000&year=2001", "year"),
        ("title=a&title=b", "title"),
        ("colour=red", "colour"),
        ("title[$ne]=x", "title[$ne]"),
        ("genre[$ne]=x", "genre[$ne]"),
        ("min_rating[$gt]=1", "min_rating[$gt]"),
    ],
)
async def test_bad_query_values_are_422(api: httpx.AsyncClient, member: Account, query: str, field: str) -> None:
    response = await api.get(f"/v1/movies?{query}", headers=member.headers)
    assert field in validation_fields(response)


async def test_operator_injection_is_only_ever_a_literal(
    api: httpx.AsyncClient, member: Account, catalog: Catalog
) -> None:
    for params in (
        [("title", '{"$gt":""}')],
        [("title", ".*")],
        [("title", "^")],
        [("title", "(")],
        [("title", "[a-z]+")],
        [("title", "\\")],
        [("q", '{"$gt":""}')],
        [("q", "$where")],
    ):
        body = await list_movies(api, member, params)
        assert body["total"] == 0, params
    assert await all_ids(api, member, [("title", "Moana 2")]) == [catalog.id_of("Moana 2")]
    literal = await create_movie(api, member, catalog.refs, "What? (Part 1.5) [*]")
    assert await all_ids(api, member, [("title", "? (part 1.5) [*")]) == [literal["id"]]
