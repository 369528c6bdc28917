"""Movie request and response models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from modules.catalog.schemas._fields import (
    CAST_MAX,
    COUNTRIES_MAX,
    GENRES_MAX,
    Character,
    CountryCode,
    ObjectIdStr,
    Runtime,
    StrictInteger,
    Synopsis,
    Title,
    Year,
)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _distinct(values: list[str], what: str) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError(f"must not repeat a {what}")
    return values


class CastEntry(StrictModel):
    actor_id: ObjectIdStr
    character: Character


class MovieCreate(StrictModel):
    """``release_date`` or ``year`` is required (both must agree); the other is derived (a year alone
    leaves ``release_date`` null)."""

    title: Title = Field(description="1-200 characters, unique case-insensitively")
    release_date: date | None = Field(default=None, description="YYYY-MM-DD")
    year: Year | None = Field(default=None, description="1878-2100; derived from release_date when omitted")
    runtime_minutes: Runtime
    genre_ids: Annotated[list[ObjectIdStr], Field(min_length=1, max_length=GENRES_MAX)]
    director_id: ObjectIdStr
    synopsis: Synopsis | None = Field(default=None, description="at most 5000 characters")
    cast: Annotated[list[CastEntry], Field(max_length=CAST_MAX)] = Field(default_factory=list)
    countries: Annotated[list[CountryCode], Field(max_length=COUNTRIES_MAX)] = Field(
        default_factory=list, description="alpha-2 codes of the countries where the movie is available"
    )

    @field_validator("genre_ids")
    @classmethod
    def _distinct_genres(cls, value: list[str]) -> list[str]:
        return _distinct(value, "genre")

    @field_validator("countries")
    @classmethod
    def _distinct_countries(cls, value: list[str]) -> list[str]:
        return _distinct(value, "country")


# Fields a PATCH may not set to null (they are required on the movie).
_NOT_NULLABLE = ("title", "year", "runtime_minutes", "genre_ids", "director_id", "cast", "countries")


class MovieUpdate(StrictModel):
    """A partial update: only the fields sent change. ``synopsis``/``release_date`` may be null."""

    title: Title | None = None
    release_date: date | None = None
    year: Year | None = None
    runtime_minutes: Runtime | None = None
    genre_ids: Annotated[list[ObjectIdStr], Field(min_length=1, max_length=GENRES_MAX)] | None = None
    director_id: ObjectIdStr | None = None
    synopsis: Synopsis | None = None
    cast: Annotated[list[CastEntry], Field(max_length=CAST_MAX)] | None = None
    countries: Annotated[list[CountryCode], Field(max_length=COUNTRIES_MAX)] | None = None
    version: Annotated[StrictInteger, Field(ge=1)] | None = Field(
        default=None, description="the version being edited (alternative to If-Match); a mismatch is 409"
    )

    @field_validator("genre_ids")
    @classmethod
    def _distinct_genres(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _distinct(value, "genre")

    @field_validator("countries")
    @classmethod
    def _distinct_countries(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _distinct(value, "country")

    @field_validator(*_NOT_NULLABLE, mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent (``version`` excluded), with their validated values."""
        return {name: getattr(self, name) for name in self.model_fields_set if name != "version"}


class GenreRef(BaseModel):
    id: str
    name: str | None


class DirectorRef(BaseModel):
    id: str
    name: str | None


class CastRead(BaseModel):
    actor_id: str
    name: str | None
    character: str


class CreatorRead(BaseModel):
    id: str
    username: str


class RatingRead(BaseModel):
    average: float | None = Field(description="rounded to 1 decimal; null while count is 0")
    count: int
    distribution: dict[str, int] = Field(description='all ten keys "1".."10"')


class MovieDetail(BaseModel):
    id: str
    title: str
    synopsis: str | None
    release_date: date | None
    year: int
    runtime_minutes: int
    genres: list[GenreRef]
    director: DirectorRef
    cast: list[CastRead]
    countries: list[str]
    rating: RatingRead
    created_by: CreatorRead
    created_at: datetime
    updated_at: datetime
    version: int


class MovieListItem(BaseModel):
    id: str
    title: str
    year: int
    release_date: date | None
    runtime_minutes: int
    genres: list[GenreRef]
    countries: list[str]
    rating: RatingRead
