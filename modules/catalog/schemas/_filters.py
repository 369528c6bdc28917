"""``MovieListFilters``: every filter and sort of ``GET /v1/movies``, reused by exports."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from app.kernel.errors import ValidationFailed
from modules.catalog.schemas._fields import GENRES_MAX, RUNTIME_MAX, CountryCode, ObjectIdStr, Year

SEARCH_MAX = 200
RATING_MIN, RATING_MAX = 0.0, 10.0


class MovieSort(StrEnum):
    """Sort keys; ``-`` is descending. Ties are broken by id in the same direction."""

    YEAR = "year"
    YEAR_DESC = "-year"
    TITLE = "title"
    TITLE_DESC = "-title"
    RATING = "rating"
    RATING_DESC = "-rating"
    RUNTIME = "runtime"
    RUNTIME_DESC = "-runtime"
    RELEASE_DATE = "release_date"
    RELEASE_DATE_DESC = "-release_date"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"


DEFAULT_SORT = MovieSort.YEAR_DESC

SearchText = Annotated[str, StringConstraints(min_length=1, max_length=SEARCH_MAX)]
Rating = Annotated[float, Field(ge=RATING_MIN, le=RATING_MAX, allow_inf_nan=False)]
RuntimeBound = Annotated[int, Field(ge=0, le=RUNTIME_MAX)]


class MovieListFilters(BaseModel):
    """Every filter of the movie listing (all optional, all combinable) and its ``sort``.

    Without ``sort``, a ``q`` search is ordered by relevance and anything else by ``-year``.
    ``genre`` lists genre ids that must all be present. Validated scalars only: nothing here is
    ever passed to MongoDB as a user-supplied document.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    q: SearchText | None = Field(default=None, description="full-text search over title and synopsis")
    title: SearchText | None = Field(default=None, description="case-insensitive substring of the title")
    genre: Annotated[list[ObjectIdStr], Field(max_length=GENRES_MAX)] = Field(
        default_factory=list, description="genre ids; a movie must have all of them"
    )
    year: Year | None = None
    year_from: Year | None = None
    year_to: Year | None = None
    released_from: date | None = None
    released_to: date | None = None
    country: CountryCode | None = Field(default=None, description="only movies available in this country")
    director: ObjectIdStr | None = None
    actor: ObjectIdStr | None = None
    min_rating: Rating | None = Field(default=None, description="on the average; unrated movies never match")
    max_rating: Rating | None = Field(default=None, description="on the average; unrated movies never match")
    runtime_min: RuntimeBound | None = None
    runtime_max: RuntimeBound | None = None
    created_by: ObjectIdStr | None = Field(default=None, description="the creator's user id")
    sort: MovieSort | None = Field(default=None, description="default: relevance with q, else -year")

    @field_validator("genre", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("genre")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @classmethod
    def parse(cls, values: dict[str, Any]) -> MovieListFilters:
        """Validate, turning pydantic's errors into the contract's 422 with ``details.fields``."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise validation_failed(exc) from exc

    @property
    def effective_sort(self) -> MovieSort | None:
        """The sort in force: ``None`` means relevance (a ``q`` search without ``sort``)."""
        if self.sort is None and self.q is None:
            return DEFAULT_SORT
        return self.sort


def validation_failed(exc: ValidationError) -> ValidationFailed:
    fields = []
    for error in exc.errors(include_url=False):
        location = [str(part) for part in error["loc"] if not isinstance(part, int)]
        fields.append({"field": ".".join(location) or "body", "message": str(error["msg"])})
    return ValidationFailed(details={"fields": fields})
