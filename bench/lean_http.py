"""A lean HTTP/1.1 client for the bench's own Python workloads: keep-alive connections on
asyncio streams, ``Content-Length`` and chunked bodies, JSON in and out.

The aggregate freshness workload sends ~100 writes/s and polls every watched write every
100 ms from the bench process, on the same two cores as the system it measures. httpx costs
several hundred microseconds of CPU per request, which took the load generator to 0.6-0.9 of a
core; this client parses with ``httptools``' C parser and costs a fraction of that, so the
measurement leaves the cores to the API, the database and the worker. It speaks only what the
bench needs: one origin, no TLS, no redirects, no proxies.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httptools
import msgspec

_encoder = msgspec.json.Encoder()


class LeanHttpError(Exception):
    """The connection failed, timed out or answered something that is not HTTP/1.1."""


@dataclass
class Response:
    status_code: int
    content: bytes

    def json(self) -> Any:
        return msgspec.json.decode(self.content)


@dataclass
class _Parsed:
    status: int = 0
    body: bytearray = field(default_factory=bytearray)
    complete: bool = False
    keep_alive: bool = True


class _Callbacks:
    """``httptools`` parser callbacks collecting one response (status and keep-alive are read
    when the headers are complete: after the message the parser is reset for the next one)."""

    def __init__(self) -> None:
        self.parsed = _Parsed()
        self.parser = httptools.HttpResponseParser(self)

    def on_headers_complete(self) -> None:
        self.parsed.status = self.parser.get_status_code()
        self.parsed.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.parsed.body += body

    def on_message_complete(self) -> None:
        self.parsed.complete = True


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, request: bytes) -> _Parsed:
        self.writer.write(request)
        callbacks = _Callbacks()
        while not callbacks.parsed.complete:
            data = await self.reader.read(65536)
            if not data:
                raise LeanHttpError("connection closed by the server")
            try:
                callbacks.parser.feed_data(data)
            except httptools.HttpParserError as exc:
                raise LeanHttpError(f"malformed response: {exc}") from exc
        return callbacks.parsed

    def close(self) -> None:
        self.writer.close()


class LeanClient:
    """Up to ``max_connections`` keep-alive connections to ``base_url``; one request at a time each."""

    def __init__(self, base_url: str, *, max_connections: int = 128, timeout: float = 60.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"an http:// URL is needed, not {base_url!r}")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._authority = parts.netloc.encode()
        self._timeout = timeout
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max_connections)

    async def __aenter__(self) -> LeanClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()

    async def get(self, path: str, *, headers: Mapping[str, str] | None = None) -> Response:
        return await self.request("GET", path, headers=headers)

    async def put(self, path: str, *, json: Any = None, headers: Mapping[str, str] | None = None) -> Response:
        return await self.request("PUT", path, json=json, headers=headers)

    async def request(
        self, method: str, path: str, *, json: Any = None, headers: Mapping[str, str] | None = None
    ) -> Response:
        head = [f"{method} {path} HTTP/1.1".encode(), b"Host: " + self._authority]
        body = b"" if json is None else _encoder.encode(json)
        if json is not None:
            head.append(b"Content-Type: application/json")
        if body or method in ("POST", "PUT", "PATCH"):
            head.append(b"Content-Length: %d" % len(body))
        head.extend(f"{name}: {value}".encode() for name, value in (headers or {}).items())
        request = b"\r\n".join(head) + b"\r\n\r\n" + body
        async with self._slots:
            connection = self._idle.pop() if self._idle else None
            try:
                async with asyncio.timeout(self._timeout):
                    if connection is None:
                        connection = _Connection(*await asyncio.open_connection(self._host, self._port))
                    parsed = await connection.exchange(request)
            except (OSError, TimeoutError, LeanHttpError) as exc:
                if connection is not None:
                    connection.close()
                raise LeanHttpError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
            if parsed.keep_alive:
                self._idle.append(connection)
            else:
                connection.close()
        return Response(parsed.status, bytes(parsed.body))
