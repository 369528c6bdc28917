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
from modules.catalog.services._query import (
    EVERYTHING,
    PRIMARY_ORDER,
    SORTS,
    count_pipeline,
    listing_pipeline,
)

GENRE_A = "0123456789abcdef01234567"
GENRE_B = "89abcdef0123456789abcdef"
PERSON = "aaaaaaaaaaaaaaaaaaaaaaaa"


def _leading_fields() -> set[str]:
    return {next(iter(index.document["key"])) for index in Movie.Settings.indexes}


def test_every_primary_clause_and_sort_leads_an_index() -> None:
    leading = _leading_fields()
    assert set(PRIMARY_ORDER) <= leading
    assert {field for field, _ in SORTS.values()} <= leading
    assert {next(iter(clause)) for clause in EVERYTHING.values()} <= leading
    keys = [list(index.document["key"].items()) for index in Movie.Settings.indexes]
    for field, direction in SORTS.values():
        assert [(field, direction), ("_id", direction)] in keys or [(field, -direction), ("_id", -direction)] in keys


def test_migration_creates_the_documents_indexes() -> None:
    from importlib import import_module

    migrations = [
        import_module(f"migrations.versions.{name}")
        for name in ("0201_catalog_collections", "0202_catalog_listing_indexes", "0203_catalog_stale_movie_ratings")
    ]
    declared = {index.document["name"]: index.document for index in Movie.Settings.indexes}
    migrated = {
        index.document["name"]: index.document for migration in migrations for index in migration.INDEXES["movies"]
    }
    assert declared == migrated


@pytest.mark.parametrize(
    ("filters", "primary", "residual", "sort"),
    [
        ({}, {"year": {"$gte": 1878}}, {}, [("year", -1), ("_id", -1)]),
        ({"sort": "year"}, {"year": {"$gte": 1878}}, {}, [("year", 1), ("_id", 1)]),
        ({"sort": "-title"}, {"title_key": {"$gte": ""}}, {}, [("title_key", -1), ("_id", -1)]),
        ({"sort": "rating"}, {"rating_sort": {"$gte": -1.0}}, {}, [("rating_sort", 1), ("_id", 1)]),
        ({"sort": "-runtime"}, {"runtime_minutes": {"$gte": 0}}, {}, [("runtime_minutes", -1), ("_id", -1)]),
        ({"sort": "release_date"}, {"year": {"$gte": 1878}}, {}, [("release_date", 1), ("_id", 1)]),
        (
            {"sort": "-created_at"},
            {"created_at": {"$gte": datetime(1970, 1, 1, tzinfo=UTC)}},
            {},
            [("created_at", -1), ("_id", -1)],
        ),
        ({"q": "moana"}, {"search_tokens": {"$in": ["moana"]}}, {}, None),
        (
            {"q": "moana", "sort": "title", "director": PERSON},
            {"search_tokens": {"$in": ["moana"]}},
            {"director_id": ObjectId(PERSON)},
            [("title_key", 1), ("_id", 1)],
        ),
        (
            {"director": PERSON, "actor": PERSON},
            {"director_id": ObjectId(PERSON)},
            {"cast_actor_ids": ObjectId(PERSON)},
            [("year", -1), ("_id", -1)],
        ),
        (
            {"genre": [GENRE_A, GENRE_B], "country": "US"},
            {"genre_ids": ObjectId(GENRE_A)},
            {"genre_ids": {"$all": [ObjectId(GENRE_A), ObjectId(GENRE_B)]}, "countries": "US"},
            [("year", -1), ("_id", -1)],
        ),
        ({"country": "US", "year": 2000}, {"countries": "US"}, {"year": 2000}, [("year", -1), ("_id", -1)]),
        (
            {"runtime_min": 90, "min_rating": 3, "sort": "title"},
            {"rating_sort": {"$gte": 3.0}},
            {"runtime_minutes": {"$gte": 90}},
            [("title_key", 1), ("_id", 1)],
        ),
        (
            {"title": "x", "sort": "-rating"},
            {"rating_sort": {"$gte": -1.0}},
            {"title": {"$regex": "x", "$options": "i"}},
            [("rating_sort", -1), ("_id", -1)],
        ),
    ],
)
def test_primary_clause_and_order(
    filters: dict[str, Any], primary: dict[str, Any], residual: dict[str, Any], sort: list[tuple[str, int]] | None
) -> None:
    query = plan_movie_query(MovieListFilters.model_validate(filters))
    assert query.primary == primary
    assert query.residual == residual
    assert query.sort == sort
    assert query.unfiltered is (not filters or set(filters) == {"sort"})
    stages = query.match_stages()
    assert stages[0] == {"$match": primary}
    assert stages[1:] == ([{"$match": residual}] if residual else [])


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


def test_pipelines() -> None:
    query = plan_movie_query(MovieListFilters(q="ocean moana", country="US"))
    pipeline = listing_pipeline(query, {"title": 1}, skip=20, limit=10)
    assert pipeline[:2] == [{"$match": {"search_tokens": {"$in": ["ocean", "moana"]}}}, {"$match": {"countries": "US"}}]
    assert pipeline[3] == {"$sort": {"_relevance": -1, "_id": -1}}
    assert pipeline[4:] == [{"$skip": 20}, {"$limit": 10}, {"$project": {"title": 1}}]
    assert count_pipeline(query)[-1] == {"$count": "total"}
    sorted_query = plan_movie_query(MovieListFilters(sort="-runtime"))
    assert listing_pipeline(sorted_query, {"title": 1}) == [
        {"$match": {"runtime_minutes": {"$gte": 0}}},
        {"$sort": {"runtime_minutes": -1, "_id": -1}},
        {"$project": {"title": 1}},
    ]


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


def test_window_bounds_reach_strictly_past_the_remembered_value() -> None:
    from datetime import UTC, datetime, timedelta

    from modules.catalog.schemas import MovieListFilters
    from modules.catalog.services._query import plan_movie_query
    from modules.catalog.services._window import window_key, windowed

    def bound(filters: dict[str, object], value: object) -> dict[str, object]:
        return windowed(plan_movie_query(MovieListFilters.parse(filters)), value).primary

    assert bound({}, 2001) == {"year": {"$gt": 2000}}
    assert bound({"sort": "year"}, 2001) == {"year": {"$lt": 2002}}
    assert bound({"sort": "title"}, "moana") == {"title_key": {"$lt": "moana\x00"}}
    assert bound({"sort": "-title"}, "moana") == {"title_key": {"$gt": "moan"}}
    assert bound({"sort": "-rating", "genre": GENRE_A}, 7.5) == {
        "genre_ids": ObjectId(GENRE_A),
        "rating_sort": {"$gt": 7.45},
    }
    day = datetime(2020, 1, 1, tzinfo=UTC)
    assert bound({"sort": "-release_date", "min_rating": 7}, day) == {
        "release_date": {"$gt": day - timedelta(milliseconds=1)}
    }
    # the former leading clause is still checked
    query = windowed(plan_movie_query(MovieListFilters.parse({"country": "FR", "sort": "title"})), "a")
    assert query.primary == {"countries": "FR", "title_key": {"$lt": "a\x00"}}
    assert query.residual == {"countries": "FR"}
    # no window for relevance, nor for an ascending sort on a nullable key
    assert window_key("k", plan_movie_query(MovieListFilters.parse({"q": "river"})), 20) is None
    assert window_key("k", plan_movie_query(MovieListFilters.parse({"sort": "release_date"})), 20) is None
