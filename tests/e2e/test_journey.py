"""End to end over real processes: a uvicorn API and a Celery worker on their own servers.

One user journey through the product as a client sees it over TCP: accounts, catalog, caching
headers, ratings aggregated by the worker, lists, an export built by the worker and downloaded,
refresh-token rotation with reuse detection, logout, and the metrics an operator scrapes.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.live import CLIENT_TIMEOUT, LiveAccount, LiveStack, account, open_stack

pytestmark = [pytest.mark.slow, pytest.mark.worker]

WAIT_SECONDS = 60.0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LiveStack]:
    live = open_stack(tmp_path / "stack")
    try:
        yield live
    finally:
        live.close()


def eventually(client: httpx.Client, path: str, holder: LiveAccount, done: Any) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        body = client.get(path, headers=holder.headers).json()
        if done(body):
            return dict(body)
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def test_a_user_journey_across_the_api_and_the_worker(stack: LiveStack) -> None:
    api = stack.start_api()
    worker = stack.start_worker()
    with httpx.Client(base_url=api.base_url, timeout=CLIENT_TIMEOUT) as client:
        root = account(client, stack, "root", admin=True)
        alice = account(client, stack, "alice")
        bob = account(client, stack, "bob")

        genre = client.post("/v1/genres", json={"name": "Animation"}, headers=root.headers).json()
        assert client.post("/v1/countries", json={"code": "US", "name": "USA"}, headers=root.headers).status_code == 201
        director = client.post("/v1/directors", json={"name": "Ron Clements"}, headers=alice.headers).json()
        actor = client.post("/v1/actors", json={"name": "Auli'i Cravalho"}, headers=alice.headers).json()
        created = client.post(
            "/v1/movies",
            json={
                "title": "Moana",
                "release_date": "2016-11-23",
                "runtime_minutes": 107,
                "genre_ids": [genre["id"]],
                "director_id": director["id"],
                "cast": [{"actor_id": actor["id"], "character": "Moana"}],
                "countries": ["US"],
            },
            headers=alice.headers,
        )
        assert created.status_code == 201, created.text
        movie = created.json()
        movie_url = f"/v1/movies/{movie['id']}"
        assert created.headers["Location"].endswith(movie_url)

        detail = client.get(movie_url, headers=bob.headers)
        assert detail.status_code == 200 and detail.json()["year"] == 2016
        assert detail.headers["X-Request-ID"] and detail.headers["RateLimit-Limit"]
        unchanged = client.get(movie_url, headers={**bob.headers, "If-None-Match": detail.headers["ETag"]})
        assert unchanged.status_code == 304

        # ratings: stored at once, aggregated by the worker
        assert client.put(f"{movie_url}/rating", json={"score": 8}, headers=bob.headers).status_code == 201
        assert client.put(f"{movie_url}/rating", json={"score": 6}, headers=alice.headers).status_code == 201
        rated = eventually(client, movie_url, alice, lambda body: body["rating"]["count"] == 2)
        assert rated["rating"]["average"] == 7.0
        assert rated["rating"]["distribution"]["8"] == 1 and rated["rating"]["distribution"]["6"] == 1

        # a private list
        saved = client.post(
            f"/v1/users/{alice.id}/saved-movies", json={"movie_id": movie["id"], "country": "US"}, headers=alice.headers
        )
        assert saved.status_code == 201, saved.text
        listing = client.get("/v1/users/me/saved-movies", params={"country": "US"}, headers=alice.headers).json()
        assert [item["id"] for item in listing["data"]] == [movie["id"]]
        assert client.get(f"/v1/users/{alice.id}/saved-movies", headers=bob.headers).status_code == 403

        # an export built by the worker, then downloaded
        export = client.post(
            "/v1/exports",
            json={"resource": "movies", "format": "csv", "filters": {"genre": [genre["id"]], "sort": "title"}},
            headers=alice.headers,
        )
        assert export.status_code == 202, export.text
        export_url = f"/v1/exports/{export.json()['id']}"
        finished = eventually(client, export_url, alice, lambda body: body["status"] in ("succeeded", "failed"))
        assert finished["status"] == "succeeded", (finished, worker.log()[-3000:])
        download = client.get(f"{export_url}/download", headers=alice.headers)
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        (row,) = list(csv.DictReader(io.StringIO(download.text)))
        assert (row["title"], row["rating_average"], row["rating_count"]) == ("Moana", "7.0", "2")
        assert client.get(export_url, headers=bob.headers).status_code == 404

        # refresh rotation, and a replayed refresh token ends the whole family
        rotated = client.post("/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
        assert rotated.status_code == 200
        fresh = {"Authorization": f"Bearer {rotated.json()['access_token']}"}
        assert client.get("/v1/users/me", headers=fresh).status_code == 200
        replayed = client.post("/v1/auth/refresh", json={"refresh_token": alice.refresh_token})
        assert replayed.status_code == 401
        assert client.get("/v1/users/me", headers=fresh).status_code == 401

        # logout ends bob's session at once
        assert client.post("/v1/auth/logout", headers=bob.headers).status_code == 204
        assert client.get(movie_url, headers=bob.headers).status_code == 401

        metrics = client.get("/metrics").text
        assert 'route="/v1/movies/{movie_id}"' in metrics
        assert "marquee_worker_tasks_total" in metrics and "exports.build_csv" in metrics
