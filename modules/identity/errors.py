"""Identity's domain errors, one per contract error code."""

from __future__ import annotations

from app.kernel.errors import AppError, Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed


class InvalidCredentials(AppError):
    status_code = 401
    code = "INVALID_CREDENTIALS"
    default_message = "The login or password is incorrect."


class InvalidToken(Unauthenticated):
    default_message = "The token is missing, invalid, expired or revoked."


class UserNotFound(NotFound):
    code = "USER_NOT_FOUND"
    default_message = "The user was not found."


class UsernameTaken(Conflict):
    code = "USERNAME_TAKEN"
    default_message = "That username is already taken."


class EmailTaken(Conflict):
    code = "EMAIL_TAKEN"
    default_message = "That email is already registered."


class PhoneTaken(Conflict):
    code = "PHONE_TAKEN"
    default_message = "That phone number is already registered."


class PermissionDenied(Forbidden):
    default_message = "You do not have permission to do this."


class InvalidOneTimeToken(ValidationFailed):
    """An activation or password-reset token that is unknown, expired or already used.

    A 422 on the ``token`` body field, not a 401: it is not an access token, and a client's
    "401 means log in again" handling must not fire on a stale link.
    """

    default_message = "The token is invalid, expired or was already used."

    def __init__(self) -> None:
        super().__init__(details={"fields": [{"field": "token", "message": "invalid, expired or already used"}]})


class WrongCurrentPassword(Forbidden):
    """The caller is authenticated, but did not prove they know the account's current password."""

    default_message = "The current password is incorrect."

    def __init__(self) -> None:
        super().__init__(details={"field": "current_password"})
