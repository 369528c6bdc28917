"""The lists module's domain errors, one per contract error code."""

from __future__ import annotations

from app.kernel.errors import AppError, Conflict, NotFound


class MovieNotFound(NotFound):
    code = "MOVIE_NOT_FOUND"
    default_message = "The movie was not found."


class ListOwnerNotFound(NotFound):
    """An administrator named a user who does not exist (members only ever reach their own lists)."""

    code = "USER_NOT_FOUND"
    default_message = "The user was not found."


class NotSaved(NotFound):
    code = "NOT_SAVED"
    default_message = "The movie is not in this list."


class DuplicateSave(Conflict):
    code = "DUPLICATE_SAVE"
    default_message = "The movie is already in this list."


class UnavailableInCountry(AppError):
    status_code = 422
    code = "UNAVAILABLE_IN_COUNTRY"
    default_message = "The movie is not available in that country."
