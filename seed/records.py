"""Typed records of the seed files (``extra="forbid"``: an unknown or misspelt key is an error).

Reference records reuse the catalog's own request models (what ``POST /v1/genres`` etc. accept),
so data the seed accepts is data the services accept. Movies and accounts name what they refer
to; the references are resolved (and each resolved movie checked against the catalog's
``MovieCreate``) in :mod:`seed.dataset`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from modules.catalog.schemas import CountryCreate, GenreCreate, PersonCreate
from modules.identity.schemas import DisplayName, Email, Password, Username

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


GenreRecord = GenreCreate
CountryRecord = CountryCreate
PersonRecord = PersonCreate


class CastRecord(Record):
    actor: Text
    character: Text


class MovieRecord(Record):
    title: Text
    release_date: date
    runtime_minutes: int = Field(strict=True)
    synopsis: str
    genres: list[Text] = Field(min_length=1)
    director: Text
    cast: list[CastRecord]
    countries: list[Code]


class RatingRecord(Record):
    movie: Text
    score: int = Field(strict=True, ge=1, le=10)
    review: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] | None = None


class SavedRecord(Record):
    movie: Text
    country: Code


class MemberRecord(Record):
    username: Username
    password: Password
    email: Email | None = None
    display_name: DisplayName | None = None
    ratings: list[RatingRecord] = Field(default_factory=list)
    saved_movies: list[SavedRecord] = Field(default_factory=list)
    favorites: list[Text] = Field(default_factory=list)
    wishlist: list[Text] = Field(default_factory=list)


class AccountsFile(Record):
    members: list[dict[str, object]]
