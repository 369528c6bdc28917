"""Request and response models of the list routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from modules.lists.rules import COUNTRY_PATTERN
from modules.lists.services import AddedEntry, PageEntry

CountryCode = Annotated[
    str, StringConstraints(pattern=COUNTRY_PATTERN), Field(description="ISO 3166-1 alpha-2, upper case")
]
MovieIdText = Annotated[str, StringConstraints(min_length=1, max_length=64), Field(description="the movie's id")]


class ListEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    movie_id: MovieIdText
    country: CountryCode | None = Field(
        default=None,
        description="where the user will watch it; the movie must be available there. "
        "Required for saved-movies, optional for favorites and the wishlist.",
    )


class ListedMovie(BaseModel):
    """The movie just added to a list."""

    id: str
    title: str
    year: int
    release_date: date | None
    countries: list[str] = Field(description="where the movie is available")
    country: str | None = Field(description="the country it was saved for")
    date_added: datetime

    @classmethod
    def of(cls, added: AddedEntry) -> ListedMovie:
        movie = added.movie
        return cls(
            id=movie.id,
            title=movie.title,
            year=movie.year,
            release_date=movie.release_date,
            countries=sorted(movie.countries),
            country=added.country,
            date_added=added.date_added,
        )


class ListItem(BaseModel):
    """One movie of a list page."""

    id: str
    title: str
    year: int
    date_added: datetime

    @classmethod
    def of(cls, entry: PageEntry) -> ListItem:
        return cls(id=entry.movie.id, title=entry.movie.title, year=entry.movie.year, date_added=entry.date_added)
