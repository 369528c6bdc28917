"""The ratings module's domain errors, one per contract error code."""

from __future__ import annotations

from app.kernel.errors import NotFound


class MovieNotFound(NotFound):
    code = "MOVIE_NOT_FOUND"
    default_message = "The movie was not found."


class NotRated(NotFound):
    code = "NOT_RATED"
    default_message = "You have not rated this movie."


class UserNotFound(NotFound):
    code = "USER_NOT_FOUND"
    default_message = "The user was not found."
