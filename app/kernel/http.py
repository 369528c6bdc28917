"""Request hygiene shared by every route: the JSON content-type check (415), the error
response specs every route documents in OpenAPI, and headers put on a raw ASGI response."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Request
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import HTTPResponseStartEvent
from pydantic import BaseModel

from app.kernel.errors import UnsupportedMediaType

JSON_MEDIA_TYPES = ("application/json",)
RawHeaders = Sequence[tuple[bytes, bytes]]
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def enforce_content_type(request: Request[Any, Any, Any]) -> None:
    """Bodies must be JSON unless the route declares other media types in ``opt["accepts"]``.

    Runs before the body is parsed, so a form or text body is 415, never a confusing 400/422.
    """
    if request.method not in BODY_METHODS:
        return
    accepts: tuple[str, ...] | None = request.route_handler.opt.get("accepts")
    content_type = request.headers.get("content-type", "")
    has_body = request.headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in request.headers
    if accepts is not None:
        media = content_type.split(";", 1)[0].strip().lower()
        if media not in accepts:
            raise UnsupportedMediaType(f"Content-Type must be one of: {', '.join(accepts)}.")
        return
    if has_body and not _is_json(content_type):
        raise UnsupportedMediaType("Content-Type must be application/json.")


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorEnvelope(BaseModel):
    error: ErrorDetail


ERROR_DESCRIPTIONS = {
    400: "Malformed JSON or unreadable body (BAD_REQUEST)",
    401: "Missing, invalid, expired or revoked access token (UNAUTHENTICATED)",
    403: "Authenticated but not allowed (FORBIDDEN)",
    404: "Not found",
    405: "Method not allowed (METHOD_NOT_ALLOWED)",
    409: "Conflict with the current state",
    410: "Gone",
    413: "Body too large (PAYLOAD_TOO_LARGE)",
    415: "Unsupported content type (UNSUPPORTED_MEDIA_TYPE)",
    422: "Validation failed (VALIDATION_ERROR with details.fields)",
    429: "Rate limited (RATE_LIMITED), see Retry-After",
    500: "Unexpected error (INTERNAL_ERROR)",
    503: "A dependency is unavailable (SERVICE_UNAVAILABLE)",
}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI response specs in the error envelope for the given statuses."""
    return {
        status: ResponseSpec(
            data_container=ErrorEnvelope, description=ERROR_DESCRIPTIONS.get(status, "Error"), generate_examples=False
        )
        for status in statuses
    }


def add_headers(message: HTTPResponseStartEvent, headers: RawHeaders, *, replace: bool) -> None:
    """Put ``headers`` (lower-case names) on a response-start message in one pass over the
    headers it already has. ``replace``: a header of the same name is dropped for the new one;
    otherwise the response's own value is kept and the new one skipped.

    The ASGI middlewares set headers on every response this way: Litestar's
    ``MutableScopeHeaders`` decodes and rescans every header for each name set (the nine
    headers of every response: ~28 µs of CPU that way, ~7 µs this way).
    """
    current = list(message.get("headers") or ())
    if replace:
        names = {name for name, _ in headers}
        kept = [(name, value) for name, value in current if name.lower() not in names]
        message["headers"] = [*kept, *headers]
        return
    present = {name.lower() for name, _ in current}
    current.extend((name, value) for name, value in headers if name not in present)
    message["headers"] = current
