"""Faults with the real servers stopped and restarted under a live API process.

Each test owns a stack (tests/e2e/live.py): its own MongoDB-wire server and Redis on fixed
ports, a uvicorn process serving the app over TCP and, where the queue matters, a real worker.
Nothing leaks into the session's runtime. No latency is asserted: a request must be answered at
all before a generous client timeout (it never hangs), with the contract's status.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from celery import Celery

from tests.e2e.live import (
    CLIENT_TIMEOUT,
    LiveAccount,
    LiveStack,
    account,
    login,
    open_stack,
    session,
    wait_until_ready,
)
from tests.support import error_of

pytestmark = [pytest.mark.slow, pytest.mark.worker]

WAIT_SECONDS = 60.0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LiveStack]:
    live = open_stack(tmp_path / "stack", redis_persist=True)
    try:
        yield live
    finally:
        live.close()


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert error_of(response)["code"] == "SERVICE_UNAVAILABLE"
    assert "Traceback" not in response.text


def create_movie(client: httpx.Client, admin: LiveAccount, author: LiveAccount, title: str) -> dict[str, Any]:
    genre = client.post("/v1/genres", json={"name": f"Genre of {title}"}, headers=admin.headers)
    assert genre.status_code == 201, genre.text
    director = client.post("/v1/directors", json={"name": f"Director of {title}"}, headers=author.headers)
    assert director.status_code == 201, director.text
    movie = client.post(
        "/v1/movies",
        json={
            "title": title,
            "year": 2016,
            "runtime_minutes": 107,
            "genre_ids": [genre.json()["id"]],
            "director_id": director.json()["id"],
        },
        headers=author.headers,
    )
    assert movie.status_code == 201, movie.text
    return dict(movie.json())


def wait_for(check: Any, what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def test_mongodb_down_is_503_then_recovers_by_itself(stack: LiveStack) -> None:
    api = stack.start_api()
    with httpx.Client(base_url=api.base_url, timeout=CLIENT_TIMEOUT) as client:
        alice = account(client, stack, "alice")
        assert client.get("/v1/movies", params={"title": "before"}, headers=alice.headers).status_code == 200

        stack.stop_mongo()
        # the session is still cached in Redis: authentication passes, the listing cannot run
        assert_unavailable(client.get("/v1/movies", params={"title": "during"}, headers=alice.headers))
        assert_unavailable(client.post("/v1/directors", json={"name": "Nobody"}, headers=alice.headers))
        assert_unavailable(client.post("/v1/auth/login", json={"login": "alice", "password": alice.password}))
        assert_unavailable(client.post("/v1/auth/register", json={"username": "carol", "password": "carol-pw-1"}))
        # without the cached session, authentication itself needs MongoDB: 503, never a false 401
        stack.redis_client().flushdb()
        assert_unavailable(client.get("/v1/users/me", headers=alice.headers))
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["mongodb"] != "ok"
        assert ready.json()["checks"]["redis"] == "ok"
        assert client.get("/healthz").status_code == 200, "liveness does not depend on MongoDB"

        stack.start_mongo()  # same port, same data directory
        assert wait_until_ready(client).status_code == 200
        assert client.get("/v1/users/me", headers=alice.headers).json()["username"] == "alice"
        assert client.get("/v1/movies", params={"title": "after"}, headers=alice.headers).status_code == 200
        login(client, "alice", alice.password)
        assert client.post("/v1/directors", json={"name": "Somebody"}, headers=alice.headers).status_code == 201
    assert api.process.poll() is None, "the API survived the outage"


def test_redis_down_reads_work_revoked_tokens_stay_revoked_queue_writes_recover(stack: LiveStack) -> None:
    api = stack.start_api()
    worker = stack.start_worker()
    with httpx.Client(base_url=api.base_url, timeout=CLIENT_TIMEOUT) as client:
        root = account(client, stack, "root", admin=True)
        alice = account(client, stack, "alice")
        bob = account(client, stack, "bob")
        movie = create_movie(client, root, alice, "Moana")
        movie_url = f"/v1/movies/{movie['id']}"
        detail = client.get(movie_url, headers=alice.headers)
        assert detail.status_code == 200

        # revoked before the outage: a logged-out session (access and refresh token)
        revoked_before = session(client, alice)
        assert client.post("/v1/auth/logout", headers=revoked_before.headers).status_code == 204
        # used before the outage (so its session is cached "live"), revoked during it
        revoked_during = session(client, bob)
        assert client.get("/v1/users/me", headers=revoked_during.headers).status_code == 200

        stack.stop_redis()
        # reads keep working without the cache
        during = client.get(movie_url, headers=alice.headers)
        assert during.status_code == 200, during.text
        assert during.json() == detail.json()
        listing = client.get("/v1/movies", headers=alice.headers)
        assert listing.status_code == 200, listing.text
        assert [item["id"] for item in listing.json()["data"]] == [movie["id"]]
        # authentication falls back to MongoDB: revoked stays revoked, a new login works
        assert client.get("/v1/users/me", headers=revoked_before.headers).status_code == 401
        refresh = client.post("/v1/auth/refresh", json={"refresh_token": revoked_before.refresh_token})
        assert refresh.status_code == 401
        fresh = session(client, alice)
        assert client.get("/v1/users/me", headers=fresh.headers).status_code == 200
        assert client.post("/v1/auth/logout", headers=revoked_during.headers).status_code == 204
        assert client.get("/v1/users/me", headers=revoked_during.headers).status_code == 401
        # registration stores the activation mail in the outbox (sent later); a rating is stored
        # (its aggregate is repaired later); an export cannot be queued: 503
        registered = client.post(
            "/v1/auth/register", json={"username": "carol", "password": "carol-pw-2026", "email": "carol@example.com"}
        )
        assert registered.status_code == 201, registered.text
        rated = client.put(f"{movie_url}/rating", json={"score": 8}, headers=alice.headers)
        assert rated.status_code == 201, rated.text
        assert_unavailable(
            client.post("/v1/exports", json={"resource": "movies", "format": "csv"}, headers=bob.headers)
        )
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"mongodb": "ok", "redis": ready.json()["checks"]["redis"]}
        assert ready.json()["checks"]["redis"] != "ok"

        # Redis back with its persisted data (a "live" entry of revoked_during among it)
        stack.start_redis()
        assert wait_until_ready(client).status_code == 200
        for revoked in (revoked_before, revoked_during):
            assert client.get("/v1/users/me", headers=revoked.headers).status_code == 401, revoked.username
        assert client.get("/v1/users/me", headers=fresh.headers).status_code == 200

        # Redis back without any data (a restart that lost everything)
        stack.stop_redis()
        stack.start_redis(wipe=True)
        assert wait_until_ready(client).status_code == 200
        for revoked in (revoked_before, revoked_during):
            assert client.get("/v1/users/me", headers=revoked.headers).status_code == 401, revoked.username
        refresh = client.post("/v1/auth/refresh", json={"refresh_token": revoked_before.refresh_token})
        assert refresh.status_code == 401
        assert client.get(movie_url, headers=alice.headers).json()["title"] == "Moana"

        # the queue recovered by itself: the worker reconnects, the API publishes again
        export = client.post("/v1/exports", json={"resource": "movies", "format": "csv"}, headers=bob.headers)
        assert export.status_code == 202, export.text
        export_url = f"/v1/exports/{export.json()['id']}"
        done = wait_for(
            lambda: (
                (body := client.get(export_url, headers=bob.headers).json())["status"] in ("succeeded", "failed")
                and body
            ),
            "the export",
        )
        assert done["status"] == "succeeded", (done, worker.log()[-3000:])
        assert done["row_count"] == 1
        # the rating written during the outage: the sweep (beat, every minute) repairs its aggregate
        celery = Celery("probe", broker=stack.redis_url, backend=stack.redis_url, set_as_current=False)
        swept = celery.send_task("ratings.sweep_pending_recomputes", args=[0]).get(timeout=WAIT_SECONDS)
        assert swept >= 1
        wait_for(lambda: client.get(movie_url, headers=alice.headers).json()["rating"]["count"] == 1, "the sweep")
        # the activation mail stored during the outage: the outbox sweep (beat, every minute) sends it
        celery.send_task("identity.dispatch_due_mail", ignore_result=True)
        outbox = stack.root / "data" / "outbox"
        wait_for(
            lambda: any(b"carol@example.com" in mail.read_bytes() for mail in outbox.glob("*.eml")),
            "the activation mail",
        )
        # and a rating after the outage is aggregated through the live pipeline
        assert client.put(f"{movie_url}/rating", json={"score": 4}, headers=bob.headers).status_code == 201
        rating = wait_for(
            lambda: (r := client.get(movie_url, headers=alice.headers).json()["rating"])["count"] == 2 and r,
            "the live aggregate",
        )
        assert rating["average"] == 6.0
    assert api.process.poll() is None and worker.process.poll() is None


def test_token_revoked_during_an_outage_stays_revoked_when_redis_returns_with_its_data(stack: LiveStack) -> None:
    api = stack.start_api()
    with httpx.Client(base_url=api.base_url, timeout=CLIENT_TIMEOUT) as client:
        alice = account(client, stack, "alice")
        assert client.get("/v1/users/me", headers=alice.headers).status_code == 200  # cached "live"
        stack.stop_redis()
        assert client.post("/v1/auth/logout", headers=alice.headers).status_code == 204
        assert client.get("/v1/users/me", headers=alice.headers).status_code == 401
        stack.start_redis()  # with the data it persisted before the outage
        assert wait_until_ready(client).status_code == 200
        assert client.get("/v1/users/me", headers=alice.headers).status_code == 401
