"""One document per movie in a user's list, with the movie's availability for the country filter."""

from __future__ import annotations

from datetime import UTC, datetime

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel


def utcnow() -> datetime:
    return datetime.now(UTC)


LIST_ENTRY_INDEXES = [
    # never two entries for one (user, list, movie), even under concurrent duplicate adds
    IndexModel(
        [("user_id", ASCENDING), ("list_name", ASCENDING), ("movie_id", ASCENDING)],
        name="list_entries_user_list_movie_unique",
        unique=True,
    ),
    # a list page in date_added order (walked backwards for -date_added), _id as tie-breaker
    IndexModel(
        [("user_id", ASCENDING), ("list_name", ASCENDING), ("date_added", ASCENDING), ("_id", ASCENDING)],
        name="list_entries_user_list_date",
    ),
    # the same page narrowed to the movies available in one country (multikey on countries)
    IndexModel(
        [
            ("user_id", ASCENDING),
            ("list_name", ASCENDING),
            ("countries", ASCENDING),
            ("date_added", ASCENDING),
            ("_id", ASCENDING),
        ],
        name="list_entries_user_list_country_date",
    ),
    # catalog events touch every entry of one movie (deletion, availability change)
    IndexModel([("movie_id", ASCENDING)], name="list_entries_movie"),
]


class ListEntry(Document):
    user_id: str
    list_name: str
    movie_id: PydanticObjectId
    # the country the movie was saved for (required for saved-movies, optional otherwise)
    country: str | None = None
    # the movie's availability, denormalised from the catalog and kept current by its
    # movie.availability_changed event, so the country filter is served by an index
    countries: list[str] = Field(default_factory=list)
    date_added: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "list_entries"
        use_state_management = False
        indexes = LIST_ENTRY_INDEXES
