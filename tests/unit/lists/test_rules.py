"""The lists' pure rules: availability, the country-filtered listing query, sort, names, indexes."""

from __future__ import annotations

import importlib

import pytest
from bson import ObjectId

from modules.lists.documents import ListEntry
from modules.lists.errors import UnavailableInCountry
from modules.lists.rules import (
    ListName,
    ensure_available,
    listing_filter,
    listing_index,
    listing_sort,
    parse_object_id,
)


def test_available_country_passes() -> None:
    ensure_available(["US", "BR"], "BR")


@pytest.mark.parametrize(("countries", "country"), [(["US", "BR"], "FR"), ([], "US"), (["US"], "us")])
def test_unavailable_country_is_422_unavailable_in_country(countries: list[str], country: str) -> None:
    with pytest.raises(UnavailableInCountry) as raised:
        ensure_available(countries, country)
    assert raised.value.status_code == 422
    assert raised.value.code == "UNAVAILABLE_IN_COUNTRY"
    assert raised.value.details["country"] == country


def test_no_country_makes_no_availability_claim() -> None:
    ensure_available([], None)


def test_listing_without_country_is_the_whole_list_of_one_user() -> None:
    assert listing_filter("u1", ListName.FAVORITES, None) == {"user_id": "u1", "list_name": "favorites"}


def test_listing_with_country_keeps_only_movies_available_there() -> None:
    query = listing_filter("u1", ListName.SAVED_MOVIES, "BR")
    # an equality on the availability array matches an entry when the country is one of them
    assert query == {"user_id": "u1", "list_name": "saved-movies", "countries": "BR"}


def test_listing_filter_is_built_from_scalars_only() -> None:
    query = listing_filter("u1", ListName.WISHLIST, "US")
    assert all(isinstance(value, str) for value in query.values())


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("date_added", [("date_added", 1), ("_id", 1)]), ("-date_added", [("date_added", -1), ("_id", -1)])],
)
def test_sort_by_date_added_breaks_ties_by_id_in_the_same_direction(sort: str, expected: list[object]) -> None:
    assert listing_sort(sort) == expected  # type: ignore[arg-type]


def test_only_saved_movies_require_a_country() -> None:
    assert [name for name in ListName if name.requires_country] == [ListName.SAVED_MOVIES]
    assert [name.value for name in ListName] == ["saved-movies", "favorites", "wishlist"]


@pytest.mark.parametrize("value", ["", "123", "not-an-id", "zzzzzzzzzzzzzzzzzzzzzzzz", "0" * 25])
def test_malformed_ids_are_none(value: str) -> None:
    assert parse_object_id(value) is None


def test_well_formed_id_parses() -> None:
    oid = ObjectId()
    assert parse_object_id(str(oid)) == oid


def test_document_indexes_equal_the_migration_indexes() -> None:
    migration = importlib.import_module("migrations.versions.0301_lists_entries")
    declared = {index.document["name"]: index.document for index in ListEntry.Settings.indexes}
    migrated = {index.document["name"]: index.document for index in migration.LIST_ENTRIES_INDEXES}
    assert declared == migrated
    assert declared["list_entries_user_list_movie_unique"]["unique"] is True


@pytest.mark.parametrize("country", [None, "BR"])
def test_listing_walks_an_index_of_its_filter_then_its_sort(country: str | None) -> None:
    declared = {index.document["name"]: list(index.document["key"]) for index in ListEntry.Settings.indexes}
    keys = declared[listing_index(country)]
    filter_fields = list(listing_filter("u1", ListName.SAVED_MOVIES, country))
    sort_fields = [field for field, _ in listing_sort("date_added")]
    assert keys == filter_fields + sort_fields
