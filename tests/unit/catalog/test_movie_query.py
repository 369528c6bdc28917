"""Pure logic of the movie listing: filters, query building, index choice, entity tags, dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from bson import ObjectId

from app.kernel.errors import ValidationFailed
from modules.catalog import MovieListFilters, MovieSort
from modules.catalog.controllers._movies import entity_tag_versions
from modules.catalog.documents import Movie
from modules.catalog.services import movie_filter, plan_movie_query
from modules.catalog.services._movies import resolve_dates
from modules.catalog.services._query import SORTS, relevance_pipeline

GENRE_A = "0123456789abcdef01234567"
GENRE_B = "89abcdef0123456789abcdef"
PERSON = "aaaaaaaaaaaaaaaaaaaaaaaa"


def index_names() -> set[str]:
    return {index.document["name"] for index in Movie.Settings.indexes}


def test_every_planned_index_exists_on_the_document() -> None:
    names = index_names()
    assert {index for _, _, index in SORTS.values()} <= names
    cases = [
        {},
        {"q": "x"},
        {"genre": [GENRE_A]},
        {"country": "US"},
        {"director": PERSON},
        {"actor": PERSON},
        {"created_by": PERSON},
    ]
    for case in cases:
        for sort in [None, *MovieSort]:
            assert plan_movie_query(MovieListFilters.model_validate({**case, "sort": sort})).hint in names


def test_migration_creates_the_documents_indexes() -> None:
    from importlib import import_module

    migration = import_module("migrations.versions.0201_catalog_collections")
    declared = {index.document["name"]: index.document for index in Movie.Settings.indexes}
    migrated = {index.document["name"]: index.document for index in migration.INDEXES["movies"]}
    assert declared == migrated


@pytest.mark.parametrize(
    ("filters", "hint", "sort"),
    [
        ({}, "movies_year", [("year", -1), ("_id", -1)]),
        ({"sort": "year"}, "movies_year", [("year", 1), ("_id", 1)]),
        ({"sort": "-title"}, "movies_title_sort", [("title_key", -1), ("_id", -1)]),
        ({"sort": "rating"}, "movies_rating", [("rating_sort", 1), ("_id", 1)]),
        ({"sort": "-runtime"}, "movies_runtime", [("runtime_minutes", -1), ("_id", -1)]),
        ({"sort": "release_date"}, "movies_release_date", [("release_date", 1), ("_id", 1)]),
        ({"sort": "-created_at"}, "movies_created_at", [("created_at", -1), ("_id", -1)]),
        ({"q": "moana"}, "movies_search_tokens", None),
        ({"q": "moana", "sort": "title", "director": PERSON}, "movies_search_tokens", [("title_key", 1), ("_id", 1)]),
        ({"director": PERSON, "sort": "title"}, "movies_director_year", [("title_key", 1), ("_id", 1)]),
        ({"actor": PERSON, "genre": [GENRE_A]}, "movies_actor_year", [("year", -1), ("_id", -1)]),
        ({"created_by": PERSON, "sort": "-created_at"}, "movies_created_by", [("created_at", -1), ("_id", -1)]),
        ({"genre": [GENRE_A]}, "movies_genre_year", [("year", -1), ("_id", -1)]),
        ({"genre": [GENRE_A], "sort": "title"}, "movies_title_sort", [("title_key", 1), ("_id", 1)]),
        ({"country": "US", "sort": "year"}, "movies_country_year", [("year", 1), ("_id", 1)]),
        ({"country": "US", "sort": "-rating"}, "movies_rating", [("rating_sort", -1), ("_id", -1)]),
        ({"title": "x", "min_rating": 3}, "movies_year", [("year", -1), ("_id", -1)]),
    ],
)
def test_index_choice_and_order(filters: dict[str, Any], hint: str, sort: list[tuple[str, int]] | None) -> None:
    query = plan_movie_query(MovieListFilters.model_validate(filters))
    assert query.hint == hint
    assert query.sort == sort


def test_filter_building() -> None:
    filters = MovieListFilters.model_validate(
        {
            "q": "The Ocean, Moana!",
            "title": "a.b*(c)",
            "genre": [GENRE_A, GENRE_B.upper(), GENRE_B],
            "year": 2016,
            "year_from": 2000,
            "released_from": date(2016, 1, 2),
            "released_to": date(2016, 12, 31),
            "country": "US",
            "director": PERSON,
            "actor": PERSON,
            "min_rating": 5,
            "max_rating": 8.5,
            "runtime_min": 60,
            "runtime_max": 120,
            "created_by": PERSON.upper(),
        }
    )
    assert movie_filter(filters) == {
        "search_tokens": {"$in": ["ocean", "moana"]},
        "title": {"$regex": re.escape("a.b*(c)"), "$options": "i"},
        "genre_ids": {"$all": [ObjectId(GENRE_A), ObjectId(GENRE_B)]},
        "year": {"$gte": 2000, "$eq": 2016},
        "release_date": {"$gte": datetime(2016, 1, 2, tzinfo=UTC), "$lte": datetime(2016, 12, 31, tzinfo=UTC)},
        "countries": "US",
        "director_id": ObjectId(PERSON),
        "cast_actor_ids": ObjectId(PERSON),
        "rating_sort": {"$gte": 5.0, "$lte": 8.5},
        "runtime_minutes": {"$gte": 60, "$lte": 120},
        "created_by_id": PERSON,
    }
    assert movie_filter(MovieListFilters(genre=[GENRE_A], year=1999)) == {
        "genre_ids": ObjectId(GENRE_A),
        "year": 1999,
    }
    # a rating bound always leaves unrated movies (rating_sort -1) out
    assert movie_filter(MovieListFilters(max_rating=4)) == {"rating_sort": {"$gte": 0.0, "$lte": 4.0}}
    assert movie_filter(MovieListFilters(q="the of and")) == {"search_tokens": {"$in": []}}


def test_user_text_never_becomes_an_operator() -> None:
    for text in ['{"$gt": ""}', "$where", ".*", "^(a+)+$"]:
        query = movie_filter(MovieListFilters(title=text))
        assert query == {"title": {"$regex": re.escape(text), "$options": "i"}}
        assert re.fullmatch(query["title"]["$regex"], text)
    with pytest.raises(ValidationFailed):
        MovieListFilters.parse({"title": {"$gt": ""}})
    with pytest.raises(ValidationFailed):
        MovieListFilters.parse({"genre": [{"$ne": None}]})


def test_relevance_pipeline() -> None:
    query = plan_movie_query(MovieListFilters(q="ocean moana"))
    pipeline = relevance_pipeline(query, {"title": 1}, skip=20, limit=10)
    assert pipeline[0] == {"$match": {"search_tokens": {"$in": ["ocean", "moana"]}}}
    assert pipeline[2] == {"$sort": {"_relevance": -1, "_id": -1}}
    assert pipeline[3:5] == [{"$skip": 20}, {"$limit": 10}]
    assert pipeline[-1] == {"$project": {"title": 1, "_relevance": 1}}


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"page": 1}, ["page"]),
        ({"sort": "password"}, ["sort"]),
        ({"country": "us"}, ["country"]),
        ({"year": 1877}, ["year"]),
        ({"min_rating": float("nan")}, ["min_rating"]),
        ({"genre": ["abc", GENRE_A]}, ["genre"]),
        ({"director": "x", "actor": "y"}, ["director", "actor"]),
        ({"released_from": "2016-13-01"}, ["released_from"]),
    ],
)
def test_filter_validation_names_fields(values: dict[str, Any], fields: list[str]) -> None:
    with pytest.raises(ValidationFailed) as raised:
        MovieListFilters.parse(values)
    assert [item["field"] for item in raised.value.details["fields"]] == fields


def test_filters_accept_export_shapes() -> None:
    filters = MovieListFilters.parse({"genre": GENRE_A, "sort": "-rating", "released_from": "2016-01-01"})
    assert filters.genre == [GENRE_A]
    assert filters.sort is MovieSort.RATING_DESC
    assert filters.released_from == date(2016, 1, 1)
    assert MovieListFilters().effective_sort is MovieSort.YEAR_DESC
    assert MovieListFilters(q="x").effective_sort is None
    assert MovieListFilters(q="x", sort="year").effective_sort is MovieSort.YEAR


@pytest.mark.parametrize(
    ("header", "versions"),
    [
        ('"3"', frozenset({3})),
        ('W/"3"', frozenset({3})),
        ('"1", "2" ,W/"5"', frozenset({1, 2, 5})),
        ("*", None),
        ("3", frozenset()),
        ('"abc"', frozenset()),
        ('"-1"', frozenset()),
        ("", frozenset()),
    ],
)
def test_entity_tags(header: str, versions: frozenset[int] | None) -> None:
    assert entity_tag_versions(header) == versions


def test_dates() -> None:
    assert resolve_dates(date(2016, 11, 23), None) == (date(2016, 11, 23), 2016)
    assert resolve_dates(date(2016, 11, 23), 2016) == (date(2016, 11, 23), 2016)
    assert resolve_dates(None, 1999) == (None, 1999)
    for release, year, field in [
        (None, None, "year"),
        (date(2016, 1, 1), 2015, "year"),
        (date(1500, 1, 1), None, "release_date"),
    ]:
        with pytest.raises(ValidationFailed) as raised:
            resolve_dates(release, year)
        assert raised.value.details["fields"][0]["field"] == field
