"""Ratings request and response models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from modules.ratings.documents import Rating

REVIEW_MAX_LENGTH = 2000


class RatingSort(StrEnum):
    """Sorts of rating lists; ties are broken by id in the same direction."""

    NEWEST = "-rated_at"
    OLDEST = "rated_at"
    HIGHEST = "-score"
    LOWEST = "score"


def _integer_only(value: object) -> object:
    """JSON integers only: no floats (even ``7.0``), numeric strings or booleans.

    A validator rather than ``StrictInt``: Litestar validates bodies with ``strict=False``,
    which overrides a field's strictness.
    """
    if type(value) is not int:
        raise ValueError("must be an integer from 1 to 10")
    return value


def _blank_review_is_none(value: object) -> object:
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return value


Review = Annotated[str, StringConstraints(max_length=REVIEW_MAX_LENGTH)]


class RatingPut(BaseModel):
    """The whole rating: PUT replaces it, so an omitted ``review`` removes the review."""

    model_config = ConfigDict(extra="forbid")

    score: Annotated[
        int,
        Field(ge=1, le=10, description="integer 1-10 (no floats, strings or booleans)"),
        BeforeValidator(_integer_only),
    ]
    review: Annotated[Review | None, BeforeValidator(_blank_review_is_none)] = Field(
        default=None, description=f"optional, at most {REVIEW_MAX_LENGTH} characters; trimmed, blank is null"
    )


class RatingRead(BaseModel):
    movie_id: str
    score: int
    review: str | None
    rated_at: datetime = Field(description="when the caller first rated the movie")
    updated_at: datetime = Field(description="when the rating last changed")

    @classmethod
    def of(cls, rating: Rating) -> RatingRead:
        return cls(
            movie_id=rating.movie_id,
            score=rating.score,
            review=rating.review,
            rated_at=rating.rated_at,
            updated_at=rating.updated_at,
        )


class RaterRead(BaseModel):
    id: str
    username: str


class MovieRatingItem(BaseModel):
    """One rating in a movie's list of ratings."""

    user: RaterRead
    score: int
    review: str | None
    rated_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, rating: Rating) -> MovieRatingItem:
        return cls(
            user=RaterRead(id=rating.user_id, username=rating.username),
            score=rating.score,
            review=rating.review,
            rated_at=rating.rated_at,
            updated_at=rating.updated_at,
        )


class RatedMovieRead(BaseModel):
    id: str
    title: str
    year: int


class UserRatingItem(BaseModel):
    """One rating in a user's profile of rated movies."""

    movie: RatedMovieRead
    score: int
    review: str | None
    rated_at: datetime
    updated_at: datetime
