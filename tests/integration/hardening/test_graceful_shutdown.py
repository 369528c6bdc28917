"""Graceful shutdown of real processes: the API drains in-flight requests on SIGTERM, a worker
finishes the task it is running (warm shutdown) and leaves the rest on the queue."""

from __future__ import annotations

import csv
import io
import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.live import CLIENT_TIMEOUT, SERVERS, LiveAccount, LiveStack, account, open_stack
from tests.support import WorkerProcess

pytestmark = [pytest.mark.slow, pytest.mark.worker]

WAIT_SECONDS = 60.0
SOCKET_TIMEOUT = 20.0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LiveStack]:
    live = open_stack(tmp_path / "stack")
    try:
        yield live
    finally:
        live.close()


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before the response headers: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, value in (line.split(":", 1) for line in header_lines)}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed in the middle of the body"
        body += chunk
    return int(status_line.split()[1]), headers, body


def _refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except OSError:
        return True


@pytest.mark.parametrize("server", SERVERS)
def test_sigterm_drains_the_request_in_flight_and_refuses_new_connections(stack: LiveStack, server: str) -> None:
    api = stack.start_api(server=server)
    with httpx.Client(base_url=api.base_url, timeout=CLIENT_TIMEOUT) as client:
        alice = account(client, stack, "alice")
    body = json.dumps({"login": "alice", "password": alice.password}).encode()
    with socket.create_connection(("127.0.0.1", api.port), timeout=SOCKET_TIMEOUT) as sock:
        sock.sendall(
            b"POST /v1/auth/login HTTP/1.1\r\nHost: marquee\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n".encode()
            + b"Expect: 100-continue\r\n\r\n"
        )
        # the server answers "100 Continue" only once the app asks for the body: the request is
        # inside the application now
        interim = sock.recv(4096)
        assert interim.startswith(b"HTTP/1.1 100"), interim

        api.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + WAIT_SECONDS
        while not _refuses_connections(api.port):
            assert time.monotonic() < deadline, "the listening socket stayed open after SIGTERM"
            time.sleep(0.05)
        assert api.process.poll() is None, "the server must wait for the request in flight"

        sock.sendall(body)
        status, headers, payload = _read_response(sock)
    assert status == 200, payload
    assert json.loads(payload)["token_type"] == "Bearer"
    # uvicorn re-raises the captured SIGTERM once it has shut down cleanly
    assert api.process.wait(timeout=WAIT_SECONDS) in (0, -signal.SIGTERM), api.log()[-3000:]
    if server == "uvicorn":
        assert headers.get("connection") == "close"
        log = api.log()
        for line in ("Waiting for application shutdown.", "Application shutdown complete.", "Finished server process"):
            assert line in log, log[-3000:]
    else:
        assert "Granian shutdown completed" in api.log(), api.log()[-3000:]


def _make_catalog(client: httpx.Client, admin: LiveAccount, author: LiveAccount, movies: int) -> list[str]:
    genre = client.post("/v1/genres", json={"name": "Drama"}, headers=admin.headers)
    assert genre.status_code == 201, genre.text
    director = client.post("/v1/directors", json={"name": "Greta Gerwig"}, headers=author.headers)
    assert director.status_code == 201, director.text
    ids = []
    for index in range(movies):
        created = client.post(
            "/v1/movies",
            json={
                "title": f"Movie {index:03d}",
                "year": 2000 + index,
                "runtime_minutes": 90 + index,
                "genre_ids": [genre.json()["id"]],
                "director_id": director.json()["id"],
            },
            headers=author.headers,
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


def _export(client: httpx.Client, owner: LiveAccount, export_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/exports/{export_id}", headers=owner.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _wait_for_status(client: httpx.Client, owner: LiveAccount, export_id: str, worker: WorkerProcess) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while (export := _export(client, owner, export_id))["status"] in ("pending", "running"):
        assert time.monotonic() < deadline, worker.log()[-3000:]
        time.sleep(0.1)
    return export


def test_worker_sigterm_finishes_the_running_export_and_leaves_the_queued_one(stack: LiveStack) -> None:
    api = stack.start_api()
    with httpx.Client(base_url=api.base_url, timeout=CLIENT_TIMEOUT) as client:
        root = account(client, stack, "root", admin=True)
        alice = account(client, stack, "alice")
        movie_ids = _make_catalog(client, root, alice, movies=16)
        # the worker sleeps after each row, so the export is surely running when SIGTERM comes
        first = stack.start_worker(name="first", EXPORT_ROW_DELAY_SECONDS="0.2")
        running = client.post("/v1/exports", json={"resource": "movies", "format": "csv"}, headers=alice.headers)
        assert running.status_code == 202, running.text
        running_id = running.json()["id"]
        deadline = time.monotonic() + WAIT_SECONDS
        while not ((state := _export(client, alice, running_id))["status"] == "running" and state["progress"] > 0):
            assert state["status"] in ("pending", "running"), state
            assert time.monotonic() < deadline, first.log()[-3000:]
            time.sleep(0.05)
        queued = client.post(
            "/v1/exports",
            json={"resource": "movies", "format": "csv", "filters": {"sort": "title"}},
            headers=alice.headers,
        )
        assert queued.status_code == 202, queued.text

        first.process.send_signal(signal.SIGTERM)
        at_signal = _export(client, alice, running_id)
        assert at_signal["status"] == "running" and at_signal["progress"] < 1, at_signal
        assert first.process.wait(timeout=WAIT_SECONDS) == 0, first.log()[-3000:]
        assert "Warm shutdown" in first.log()

        finished = _export(client, alice, running_id)
        assert finished["status"] == "succeeded", (finished, first.log()[-3000:])
        assert finished["row_count"] == len(movie_ids)
        download = client.get(f"/v1/exports/{running_id}/download", headers=alice.headers)
        assert download.status_code == 200
        rows = list(csv.DictReader(io.StringIO(download.text)))
        assert sorted(row["id"] for row in rows) == sorted(movie_ids), "every row, written once"
        # the queued export was never started by the stopping worker: still pending, on the queue
        assert _export(client, alice, queued.json()["id"])["status"] == "pending"

        second = stack.start_worker(name="second")
        done = _wait_for_status(client, alice, queued.json()["id"], second)
        assert done["status"] == "succeeded", done
        assert done["row_count"] == len(movie_ids)
