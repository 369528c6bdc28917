"""Domain errors and the one exception layer that renders every error in the contract envelope.

``{"error": {"code": "...", "message": "...", "details": {}}}`` is the only error shape the API
answers with, whatever raised it: a domain error, Litestar's routing/validation, pydantic, or a
bug (500 without internals).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger("marquee.errors")


class AppError(Exception):
    """Base of every domain error: one subclass per contract error code."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "BAD_REQUEST"
    default_message: ClassVar[str] = "Bad request."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details or {}
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(AppError):
    status_code = 400
    code = "BAD_REQUEST"
    default_message = "The request could not be read."


class Unauthenticated(AppError):
    status_code = 401
    code = "UNAUTHENTICATED"
    default_message = "Authentication is required."

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.headers.setdefault("WWW-Authenticate", 'Bearer realm="marquee"')


class Forbidden(AppError):
    status_code = 403
    code = "FORBIDDEN"
    default_message = "You are not allowed to do this."


class NotFound(AppError):
    status_code = 404
    code = "NOT_FOUND"
    default_message = "The resource was not found."


class MethodNotAllowed(AppError):
    status_code = 405
    code = "METHOD_NOT_ALLOWED"
    default_message = "Method not allowed."


class Conflict(AppError):
    status_code = 409
    code = "CONFLICT"
    default_message = "The request conflicts with the current state."


class PayloadTooLarge(AppError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"
    default_message = "The request body is too large."


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "UNSUPPORTED_MEDIA_TYPE"
    default_message = "Unsupported content type."


class ValidationFailed(AppError):
    status_code = 422
    code = "VALIDATION_ERROR"
    default_message = "The request is not valid."

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        return cls(details={"fields": [{"field": field, "message": message}]})


class RateLimited(AppError):
    status_code = 429
    code = "RATE_LIMITED"
    default_message = "Too many requests."


class ServiceUnavailable(AppError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"
    default_message = "A dependency is unavailable; try again shortly."


_STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "The request could not be read."),
    401: ("UNAUTHENTICATED", "Authentication is required."),
    403: ("FORBIDDEN", "You are not allowed to do this."),
    404: ("NOT_FOUND", "The resource was not found."),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed."),
    409: ("CONFLICT", "The request conflicts with the current state."),
    413: ("PAYLOAD_TOO_LARGE", "The request body is too large."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Unsupported content type."),
    422: ("VALIDATION_ERROR", "The request is not valid."),
    429: ("RATE_LIMITED", "Too many requests."),
    500: ("INTERNAL_ERROR", "An unexpected error occurred."),
    503: ("SERVICE_UNAVAILABLE", "A dependency is unavailable; try again shortly."),
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _envelope(
    status_code: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    return Response(
        content=error_body(code, message, details),
        status_code=status_code,
        media_type=MediaType.JSON,
        headers=headers,
    )


def _field_errors(extra: Any) -> list[dict[str, str]]:
    fields: list[dict[str, str]] = []
    items = extra if isinstance(extra, list) else [extra] if isinstance(extra, dict) else []
    for item in items:
        if not isinstance(item, dict):
            continue
        key = item.get("key") or item.get("field") or item.get("source") or "body"
        fields.append({"field": str(key), "message": str(item.get("message", "invalid value"))})
    return fields


def handle_app_error(_: Request[Any, Any, Any], exc: AppError) -> Response[dict[str, Any]]:
    return _envelope(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


_MISSING_PARAMETER = re.compile(r"^Missing required (\w+) parameter '([^']+)'")


def handle_validation_exception(_: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    fields = _field_errors(exc.extra)
    missing = _MISSING_PARAMETER.match(str(exc.detail or ""))
    if not fields and missing:
        # Litestar reports an absent required query/header/cookie parameter without details.
        fields = [{"field": missing.group(2), "message": f"the {missing.group(1)} parameter is required"}]
    if not fields:
        # Litestar raises a bare ValidationException for bodies it cannot decode at all.
        return _envelope(400, "BAD_REQUEST", "The request body is not valid JSON.")
    return _envelope(422, "VALIDATION_ERROR", "The request is not valid.", {"fields": fields})


def handle_http_exception(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status_code = exc.status_code
    code, message = _STATUS_CODES.get(status_code, ("ERROR", "The request failed."))
    if status_code == 400 and exc.detail:
        message = "The request could not be read: the body is not valid JSON or is malformed."
    headers = dict(exc.headers or {})
    if status_code == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="marquee"')
    if status_code >= 500:
        status_code, code, message = 500, "INTERNAL_ERROR", _STATUS_CODES[500][1]
    return _envelope(status_code, code, message, None, headers)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    unavailable = _as_unavailable(exc)
    if unavailable is not None:
        log.warning("dependency_unavailable", error=type(exc).__name__, path=request.url.path)
        return handle_app_error(request, unavailable)
    log.exception("unhandled_exception", error=type(exc).__name__, path=request.url.path)
    code, message = _STATUS_CODES[HTTP_500_INTERNAL_SERVER_ERROR]
    return _envelope(HTTP_500_INTERNAL_SERVER_ERROR, code, message)


def _as_unavailable(exc: Exception) -> ServiceUnavailable | None:
    """Connection failures of MongoDB or Redis become 503, never a 500 or a hang."""
    if isinstance(exc, ServerSelectionTimeoutError | AutoReconnect | ConnectionFailure):
        return ServiceUnavailable("The database is unavailable; try again shortly.")
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return ServiceUnavailable("The cache or queue is unavailable; try again shortly.")
    return None


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    AppError: handle_app_error,
    ValidationException: handle_validation_exception,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
