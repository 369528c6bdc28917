"""Headers the ASGI middlewares put on a raw response-start message."""

from __future__ import annotations

from litestar.types import HTTPResponseStartEvent

from app.kernel.http import add_headers


def _start(*headers: tuple[bytes, bytes]) -> HTTPResponseStartEvent:
    return {"type": "http.response.start", "status": 200, "headers": list(headers)}


def test_adds_to_a_message_without_headers() -> None:
    message: HTTPResponseStartEvent = {"type": "http.response.start", "status": 200}  # type: ignore[typeddict-item]
    add_headers(message, [(b"x-a", b"1"), (b"x-b", b"2")], replace=False)
    assert list(message["headers"]) == [(b"x-a", b"1"), (b"x-b", b"2")]


def test_keeps_the_responses_own_value_whatever_its_case() -> None:
    message = _start((b"content-type", b"text/html"), (b"Content-Security-Policy", b"script-src 'self'"))
    add_headers(message, [(b"content-security-policy", b"default-src 'none'"), (b"x-a", b"1")], replace=False)
    assert list(message["headers"]) == [
        (b"content-type", b"text/html"),
        (b"Content-Security-Policy", b"script-src 'self'"),
        (b"x-a", b"1"),
    ]


def test_replace_drops_every_earlier_value_of_the_name() -> None:
    message = _start((b"X-Request-ID", b"old"), (b"etag", b'"1"'), (b"x-request-id", b"older"))
    add_headers(message, [(b"x-request-id", b"new")], replace=True)
    assert list(message["headers"]) == [(b"etag", b'"1"'), (b"x-request-id", b"new")]
