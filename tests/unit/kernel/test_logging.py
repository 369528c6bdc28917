"""Production logs: one JSON object per line, the request line carrying request id, user id,
route, status and latency; the servers' own loggers and Python warnings rendered the same way."""

from __future__ import annotations

import io
import json
import logging
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog

from app.kernel.logging import configure_logging
from app.kernel.observability import RequestContextMiddleware
from tests.support import asgi_transport


def production_logging() -> io.StringIO:
    """Configure logging as in production, the root handler writing to the returned buffer."""
    configure_logging("INFO", "json")
    buffer = io.StringIO()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    return buffer


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Each test reconfigures logging; the previous set-up comes back afterwards."""
    root, server = logging.getLogger(), logging.getLogger("uvicorn")
    saved_root = root.handlers[:], root.level
    saved_server = server.handlers[:], server.propagate
    saved_structlog = structlog.get_config()
    saved_showwarning = warnings.showwarning
    try:
        yield
    finally:
        logging.captureWarnings(False)
        warnings.showwarning = saved_showwarning
        root.handlers[:], server.handlers[:] = saved_root[0], saved_server[0]
        root.setLevel(saved_root[1])
        server.propagate = saved_server[1]
        structlog.configure(**saved_structlog)


@pytest.fixture
def json_log() -> io.StringIO:
    return production_logging()


def lines_of(buffer: io.StringIO) -> list[dict[str, Any]]:
    """Every line parsed as JSON (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line]


async def inner_app(scope: Any, receive: Any, send: Any) -> None:
    """What the router and the authentication middleware leave in the scope."""
    scope["path_template"] = "/v1/movies/{movie_id:str}"
    scope["state"]["user_id"] = "6650a1b2c3d4e5f601234567"
    await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def test_a_request_logs_one_json_line_with_its_context(json_log: io.StringIO) -> None:
    transport = asgi_transport(app=RequestContextMiddleware(inner_app))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/v1/movies/42", headers={"X-Request-ID": "req-abc.1"})
    assert response.headers["X-Request-ID"] == "req-abc.1"

    requests = [line for line in lines_of(json_log) if line["event"] == "request"]
    assert len(requests) == 1, json_log.getvalue()
    line = requests[0]
    assert {"request_id", "user_id", "route", "status", "latency_ms", "method", "path", "timestamp"} <= set(line)
    assert line["request_id"] == "req-abc.1"
    assert line["user_id"] == "6650a1b2c3d4e5f601234567"
    assert line["route"] == "/v1/movies/{movie_id:str}"
    assert line["path"] == "/v1/movies/42"
    assert (line["method"], line["status"]) == ("GET", 201)
    assert isinstance(line["latency_ms"], float | int)
    assert line["latency_ms"] >= 0
    assert (line["level"], line["logger"]) == ("info", "marquee.access")


async def test_an_anonymous_request_gets_a_generated_request_id(json_log: io.StringIO) -> None:
    async def anonymous(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    transport = asgi_transport(app=RequestContextMiddleware(anonymous))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/nowhere", headers={"X-Request-ID": "not a valid id!"})
    (line,) = [line for line in lines_of(json_log) if line["event"] == "request"]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["request_id"] != "not a valid id!"
    assert len(line["request_id"]) == 32
    assert (line["user_id"], line["route"], line["status"]) == (None, "unmatched", 404)


def test_secrets_are_redacted(json_log: io.StringIO) -> None:
    structlog.get_logger("marquee.test").info("login", username="alice", password="hunter2", token="abc")
    (line,) = lines_of(json_log)
    assert (line["username"], line["password"], line["token"]) == ("alice", "[redacted]", "[redacted]")
    assert "hunter2" not in json_log.getvalue()


def test_server_loggers_and_warnings_are_rendered_as_json() -> None:
    """uvicorn (and granian) install their own handlers before loading the app; once the app
    configures logging, their lines go through the root handler like ours."""
    server = logging.getLogger("uvicorn")
    own = logging.StreamHandler(io.StringIO())
    server.addHandler(own)
    server.propagate = False
    buffer = production_logging()
    assert own not in server.handlers

    logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("running as root", UserWarning, stacklevel=1)

    started, warned = lines_of(buffer)
    assert (started["event"], started["logger"], started["level"]) == (
        "Started server process [42]",
        "uvicorn.error",
        "info",
    )
    assert (warned["logger"], warned["level"]) == ("py.warnings", "warning")
    assert "running as root" in warned["event"]
