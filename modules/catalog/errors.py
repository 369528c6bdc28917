"""The catalog's domain errors, one per contract error code."""

from __future__ import annotations

from typing import Any

from app.kernel.errors import AppError, Conflict, NotFound


class MovieNotFound(NotFound):
    code = "MOVIE_NOT_FOUND"
    default_message = "The movie was not found."


class GenreNotFound(NotFound):
    code = "GENRE_NOT_FOUND"
    default_message = "The genre was not found."


class DirectorNotFound(NotFound):
    code = "DIRECTOR_NOT_FOUND"
    default_message = "The director was not found."


class ActorNotFound(NotFound):
    code = "ACTOR_NOT_FOUND"
    default_message = "The actor was not found."


class CountryNotFound(NotFound):
    """The contract names no COUNTRY_NOT_FOUND: the generic NOT_FOUND code with a clear message."""

    code = "NOT_FOUND"
    default_message = "The country was not found."


class TitleTaken(Conflict):
    code = "TITLE_TAKEN"
    default_message = "A movie with that title already exists."


class GenreExists(Conflict):
    code = "GENRE_EXISTS"
    default_message = "A genre with that name already exists."


class CountryExists(Conflict):
    code = "COUNTRY_EXISTS"
    default_message = "A country with that code already exists."


class EditConflict(Conflict):
    code = "EDIT_CONFLICT"
    default_message = "The movie was changed by someone else; reload it and retry with its current version."


class ReferenceNotFound(AppError):
    """A movie body names a genre/director/actor/country that does not exist (``details.field``)."""

    status_code = 422
    code = "REFERENCE_NOT_FOUND"
    default_message = "A referenced resource does not exist."

    def __init__(self, field: str, missing: list[str] | None = None, message: str | None = None) -> None:
        details: dict[str, Any] = {"field": field}
        if missing:
            details["missing"] = missing
        super().__init__(message or f"{field}: a referenced resource does not exist.", details=details)
        self.field = field
