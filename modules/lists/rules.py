"""The lists' rules as pure functions: list names, the availability rule, the listing query.

Nothing here touches the database, so every rule is unit-tested on its own; the service
composes them with the queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal

from beanie import SortDirection
from bson import ObjectId
from bson.errors import InvalidId

from modules.lists.errors import UnavailableInCountry

# ISO 3166-1 alpha-2 in upper case, as the catalog stores and validates it
COUNTRY_PATTERN = r"^[A-Z]{2}$"

ListSort = Literal["date_added", "-date_added"]
DEFAULT_SORT: ListSort = "-date_added"


class ListName(StrEnum):
    """The three personal lists every user has."""

    SAVED_MOVIES = "saved-movies"
    FAVORITES = "favorites"
    WISHLIST = "wishlist"

    @property
    def requires_country(self) -> bool:
        """Saving a movie, and reading the list, needs the country the user watches in."""
        return self is ListName.SAVED_MOVIES


def parse_object_id(value: str) -> ObjectId | None:
    """The ObjectId an id string stands for, or None when it is malformed (the caller answers 404)."""
    try:
        return ObjectId(value) if ObjectId.is_valid(value) else None
    except (InvalidId, TypeError):
        return None


def ensure_available(movie_countries: Iterable[str], country: str | None) -> None:
    """A movie may be added for a country only when it is available there.

    No country means no availability claim (allowed for favorites and the wishlist).
    """
    if country is not None and country not in set(movie_countries):
        raise UnavailableInCountry(
            f"The movie is not available in {country}.", details={"field": "country", "country": country}
        )


def listing_filter(user_id: str, list_name: ListName, country: str | None) -> dict[str, Any]:
    """The query of one user's list, optionally narrowed to movies available in ``country``.

    Built from validated scalars only. Without a country it is a prefix of the index
    ``(user_id, list_name, date_added, _id)``; with one, of ``(user_id, list_name, countries,
    date_added, _id)``, so both walk the index in ``date_added`` order.
    """
    query: dict[str, Any] = {"user_id": user_id, "list_name": list_name.value}
    if country is not None:
        query["countries"] = country
    return query


def listing_sort(sort: ListSort) -> list[tuple[str, SortDirection]]:
    """``date_added`` ascending or descending, ties broken by ``_id`` in the same direction."""
    direction = SortDirection.ASCENDING if sort == "date_added" else SortDirection.DESCENDING
    return [("date_added", direction), ("_id", direction)]


def listing_index(country: str | None) -> str:
    """The index that serves a listing: its keys are the filter's fields, then the sort's.

    The query names no ``hint``: the planner picks this index by its equality prefix and sort
    (on MongoDB as on the embedded server), and the embedded SecantusDB walks a hinted index
    whole (1.5 s for 24 000 entries against 1 ms unhinted, measured).
    """
    return "list_entries_user_list_country_date" if country is not None else "list_entries_user_list_date"
