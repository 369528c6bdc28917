"""Reference data of the catalog: genres, countries, directors, actors."""

from __future__ import annotations

from datetime import UTC, date, datetime

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, IndexModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Genre(Document):
    name: str
    # casefolded, NFKC-normalised name: the case-insensitive unique key and the sort key
    name_key: str
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "genres"
        use_state_management = False
        indexes = [
            IndexModel([("name_key", ASCENDING)], name="genres_name_key_unique", unique=True),
        ]


class Country(Document):
    """ISO 3166-1 alpha-2 ``code`` (upper case) is the natural key."""

    code: str
    name: str
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "countries"
        use_state_management = False
        indexes = [
            IndexModel([("code", ASCENDING)], name="countries_code_unique", unique=True),
        ]


class Director(Document):
    name: str
    name_key: str
    # normalised words of the name, and every prefix of each (services.name_prefixes): `q` looks
    # its longest word up in the prefixes' index and checks the others on the words
    search_tokens: list[str] = Field(default_factory=list)
    search_prefixes: list[str] = Field(default_factory=list)
    date_of_birth: date | None = None
    photo_key: str | None = None
    photo_content_type: str | None = None
    created_by_id: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "directors"
        use_state_management = False
        indexes = [
            IndexModel([("name_key", ASCENDING), ("_id", ASCENDING)], name="directors_name_key"),
            IndexModel(
                [("search_prefixes", ASCENDING), ("name_key", ASCENDING), ("_id", ASCENDING)],
                name="directors_search_prefixes",
            ),
        ]


class Actor(Document):
    name: str
    name_key: str
    search_tokens: list[str] = Field(default_factory=list)
    search_prefixes: list[str] = Field(default_factory=list)
    date_of_birth: date | None = None
    created_by_id: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "actors"
        use_state_management = False
        indexes = [
            IndexModel([("name_key", ASCENDING), ("_id", ASCENDING)], name="actors_name_key"),
            IndexModel(
                [("search_prefixes", ASCENDING), ("name_key", ASCENDING), ("_id", ASCENDING)],
                name="actors_search_prefixes",
            ),
        ]
