"""``/metrics`` shows what operators alert on: the cache's hits and misses of list and detail
reads, and the outcomes of tasks a real worker ran, with the queue depth."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from modules.catalog.services import DirectorService, GenreService
from tests.integration.accounts import Account
from tests.support import WorkerProcess

TASK_TIMEOUT = 120
COUNTER_WAIT_SECONDS = 15


async def metric_samples(api: httpx.AsyncClient, name: str) -> list[tuple[dict[str, str], float]]:
    """Every sample named ``name`` on ``/metrics``, as ``(labels, value)``."""
    response = await api.get("/metrics")
    assert response.status_code == 200, response.text
    return [
        (dict(sample.labels), float(sample.value))
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == name
    ]


async def metric_value(api: httpx.AsyncClient, name: str, **labels: str) -> float:
    """The sample of ``name`` with exactly these labels; 0 while it was never incremented."""
    for sample_labels, value in await metric_samples(api, name):
        if sample_labels == labels:
            return value
    return 0.0


async def cache_counts(api: httpx.AsyncClient, namespace: str) -> tuple[float, float]:
    """``(hits, misses)`` of one cache namespace, as /metrics counts them."""
    name = "marquee_cache_requests_total"
    return (
        await metric_value(api, name, namespace=namespace, result="hit"),
        await metric_value(api, name, namespace=namespace, result="miss"),
    )


async def create_movie(api: httpx.AsyncClient, admin: Account, title: str, genre_id: str, year: int = 2019) -> str:
    director = await DirectorService().create(f"Director of {title}", None, None)
    body = {
        "title": title,
        "year": year,
        "runtime_minutes": 100,
        "genre_ids": [genre_id],
        "director_id": str(director.id),
    }
    response = await api.post("/v1/movies", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_list_and_detail_reads_count_cache_hits_and_misses(
    api: httpx.AsyncClient, admin: Account, member: Account
) -> None:
    genre = await GenreService().create("Drama")
    movie_id = await create_movie(api, admin, "Counted", str(genre.id))

    for namespace, path in (("movie-list", "/v1/movies"), ("movie", f"/v1/movies/{movie_id}")):
        hits, misses = await cache_counts(api, namespace)
        first = await api.get(path, headers=member.headers)
        assert first.status_code == 200, first.text
        assert await cache_counts(api, namespace) == (hits, misses + 1), f"{path}: the first read misses"
        second = await api.get(path, headers=member.headers)
        assert second.status_code == 200, second.text
        assert second.json() == first.json()
        assert await cache_counts(api, namespace) == (hits + 1, misses + 1), f"{path}: the second read hits"


async def test_a_read_the_cache_does_not_hold_counts_no_cache_lookup(api: httpx.AsyncClient, member: Account) -> None:
    """Filters outside the hot set (here a title search) are served from MongoDB, uncounted."""
    before = await cache_counts(api, "movie-list")
    response = await api.get("/v1/movies", params={"title": "zzz"}, headers=member.headers)
    assert response.status_code == 200, response.text
    assert await cache_counts(api, "movie-list") == before


@pytest.mark.worker
async def test_task_outcomes_and_queue_depth_after_a_real_worker_ran_a_task(
    api: httpx.AsyncClient, worker: WorkerProcess
) -> None:
    from workers.diagnostics import echo

    name = "marquee_worker_tasks_total"
    labels = {"task": "diagnostics.echo", "state": "success"}
    before = await metric_value(api, name, **labels)
    result = await asyncio.to_thread(echo.delay("metrics").get, timeout=TASK_TIMEOUT)
    assert result["echo"] == "metrics"
    # the worker counts the success just after it stores the result
    deadline = time.monotonic() + COUNTER_WAIT_SECONDS
    while await metric_value(api, name, **labels) < before + 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert await metric_value(api, name, **labels) >= max(1.0, before + 1), worker.log()[-3000:]

    depths = await metric_samples(api, "marquee_queue_depth")
    assert [labels for labels, _ in depths] == [{"queue": "celery"}]
    assert depths[0][1] >= 0
