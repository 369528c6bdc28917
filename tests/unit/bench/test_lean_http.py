"""The bench's lean HTTP client against a canned HTTP/1.1 server on a real socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from bench.lean_http import LeanClient, LeanHttpError

ANSWERS = {
    b"/length": b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
    + b'{"ok": true}'[:11],
    b"/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[1, \r\n3\r\n2]\n\r\n0\r\n\r\n",
    b"/close": b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
    b"/garbage": b"NOT HTTP AT ALL\r\n\r\n",
}


class CannedServer:
    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[tuple[bytes, bytes]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                line, *headers = head.split(b"\r\n")
                length = next((int(h.split(b":")[1]) for h in headers if h.lower().startswith(b"content-length")), 0)
                body = await reader.readexactly(length)
                path = line.split(b" ")[1]
                self.requests.append((line, body))
                if path == b"/silent":
                    continue
                writer.write(ANSWERS[path])
                await writer.drain()
                if path in (b"/close", b"/garbage"):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def served() -> AsyncIterator[tuple[CannedServer, str]]:
    canned = CannedServer()
    server = await asyncio.start_server(canned.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield canned, f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def test_keep_alive_reuses_one_connection_and_sends_json(served: tuple[CannedServer, str]) -> None:
    canned, url = served
    async with LeanClient(url) as client:
        first = await client.put("/length", json={"score": 7}, headers={"Authorization": "Bearer t"})
        second = await client.get("/chunked")
    assert (first.status_code, first.content) == (201, b'{"ok": true'[:11])
    assert second.status_code == 200 and second.json() == [1, 2]
    assert canned.connections == 1
    (put_line, put_body), (get_line, get_body) = canned.requests
    assert put_line == b"PUT /length HTTP/1.1" and json.loads(put_body) == {"score": 7}
    assert get_line == b"GET /chunked HTTP/1.1" and get_body == b""


async def test_a_closing_server_gets_a_new_connection(served: tuple[CannedServer, str]) -> None:
    canned, url = served
    async with LeanClient(url) as client:
        assert (await client.get("/close")).status_code == 404
        assert (await client.get("/close")).json() == {}
    assert canned.connections == 2


async def test_malformed_answers_and_timeouts_are_lean_http_errors(served: tuple[CannedServer, str]) -> None:
    _canned, url = served
    async with LeanClient(url, timeout=0.2) as client:
        with pytest.raises(LeanHttpError, match="malformed"):
            await client.get("/garbage")
        with pytest.raises(LeanHttpError, match="TimeoutError"):
            await client.get("/silent")
    with pytest.raises(ValueError, match="http://"):
        LeanClient("https://example.org")
