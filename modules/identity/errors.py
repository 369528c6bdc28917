"""Identity's domain errors, one per contract error code."""

from __future__ import annotations

from app.kernel.errors import AppError, Conflict, Forbidden, NotFound, Unauthenticated


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
