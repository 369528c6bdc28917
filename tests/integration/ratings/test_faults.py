"""Faults: lost recomputes (Redis down, Redis flushed, a worker killed mid-task) and corrupted
aggregates are repaired to exactly what the ratings say, by the sweep and the reconcile task
run by a real worker."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from celery import Celery, current_app
from redis.asyncio import Redis

from app.kernel import runtime
from app.kernel.embedded import free_port
from modules.catalog import set_rating_aggregate
from modules.identity import set_user_rating_stats
from modules.ratings import dispatch, events
from modules.ratings.services import RecomputeQueue
from tests.integration.accounts import Account
from tests.integration.ratings.conftest import (
    MakeMovie,
    distribution,
    movie_rating,
    pending_recomputes,
    rate,
    wait_for_rating,
)
from tests.support import Servers, WorkerProcess, start_worker

pytestmark = pytest.mark.worker

TASK_TIMEOUT = 120


async def run_on_worker(task_name: str, *args: Any) -> Any:
    """Send a task to the session worker and wait for its result (off the event loop)."""
    result = current_app.send_task(task_name, args=list(args))
    return await asyncio.to_thread(result.get, timeout=TASK_TIMEOUT)


async def reconcile() -> dict[str, Any]:
    report = await run_on_worker("ratings.reconcile_aggregates")
    assert report["skipped"] is False, report
    return dict(report)


async def user_stats(api: httpx.AsyncClient, viewer: Account, user_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/users/{user_id}", headers=viewer.headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["stats"])


@pytest.fixture
def private_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Route this test's recompute tasks to a queue no session worker consumes."""
    queue = f"ratings-test-{uuid.uuid4().hex[:8]}"

    async def to_private_queue(name: str, args: list[Any], countdown: float | None = None) -> bool:
        await asyncio.to_thread(current_app.send_task, name, args=args, countdown=countdown, queue=queue)
        return True

    monkeypatch.setattr(events, "enqueue_task", to_private_queue)
    yield queue
    monkeypatch.undo()


async def test_reconcile_repairs_corrupted_aggregates_and_stats(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, other_member: Account, make_movie: MakeMovie
) -> None:
    first, second, unrated = await make_movie(), await make_movie(), await make_movie()
    await rate(api, member, first["id"], 9)
    await rate(api, other_member, first["id"], 4)
    await rate(api, member, second["id"], 5)
    await wait_for_rating(api, member, first["id"], lambda r: r["count"] == 2)
    await wait_for_rating(api, member, second["id"], lambda r: r["count"] == 1)

    await set_rating_aggregate(first["id"], 1.0, 99, distribution(s1=99))
    await set_rating_aggregate(second["id"], None, 0, distribution())
    await set_user_rating_stats(member.id, 40, 2.5)
    assert (await movie_rating(api, member, first["id"]))["count"] == 99

    report = await reconcile()
    assert report["movies"] == 2
    assert await movie_rating(api, member, first["id"]) == {
        "average": 6.5,
        "count": 2,
        "distribution": distribution(s4=1, s9=1),
    }
    assert await movie_rating(api, member, second["id"]) == {
        "average": 5.0,
        "count": 1,
        "distribution": distribution(s5=1),
    }
    assert await movie_rating(api, member, unrated["id"]) == {
        "average": None,
        "count": 0,
        "distribution": distribution(),
    }
    assert await user_stats(api, other_member, member.id) == {"ratings_count": 2, "average_score": 7.0}
    assert await user_stats(api, member, other_member.id) == {"ratings_count": 1, "average_score": 4.0}
    again = await reconcile()
    assert again["movies"] == 2, "idempotent: a second run recomputes the same and changes nothing"
    assert (await movie_rating(api, member, first["id"]))["average"] == 6.5


async def test_writes_succeed_while_redis_is_down_and_the_sweep_repairs(
    api: httpx.AsyncClient,
    worker: WorkerProcess,
    member: Account,
    other_member: Account,
    make_movie: MakeMovie,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    movie = await make_movie()
    await rate(api, member, movie["id"], 8)
    await wait_for_rating(api, member, movie["id"], lambda r: r["count"] == 1)
    # the user drain gathers changes for a few seconds: let it finish, or it would run inside the
    # Redis-down window below and settle what the sweep is meant to find
    deadline = time.monotonic() + 60
    while await pending_recomputes():
        assert time.monotonic() < deadline, "the first rating's recomputes never settled"
        await asyncio.sleep(0.1)

    dead_url = f"redis://127.0.0.1:{free_port()}/0"
    dead_redis = Redis.from_url(dead_url, socket_connect_timeout=0.5, socket_timeout=0.5)
    dead_broker = Celery("dead", broker=dead_url, set_as_current=False)
    monkeypatch.setattr(events, "build_recompute_queue", lambda: RecomputeQueue(dead_redis))
    monkeypatch.setattr(dispatch, "current_app", dead_broker)
    created = await api.put(f"/v1/movies/{movie['id']}/rating", json={"score": 2}, headers=other_member.headers)
    assert created.status_code == 201, created.text
    deleted = await api.delete(f"/v1/movies/{movie['id']}/rating", headers=member.headers)
    assert deleted.status_code == 204, deleted.text
    # the broker is reachable but the Redis queue is not: still no failure
    monkeypatch.setattr(events, "build_recompute_queue", lambda: RecomputeQueue(runtime.current().redis))
    assert (
        await api.put(f"/v1/movies/{movie['id']}/rating", json={"score": 3}, headers=other_member.headers)
    ).status_code == 200
    monkeypatch.undo()
    await dead_redis.aclose()

    stale = await movie_rating(api, member, movie["id"])
    assert (stale["count"], stale["average"]) == (1, 8.0), "nothing could be enqueued for the movie"
    # every change is durable in MongoDB (rating tokens, delete marks); a user drain already queued
    # in the worker before the outage (user drains wait a few seconds) may have taken some users
    pending = await pending_recomputes()
    assert f"movie:{movie['id']}" in pending
    assert set(pending) <= {f"movie:{movie['id']}", f"user:{member.id}", f"user:{other_member.id}"}
    assert await run_on_worker("ratings.sweep_pending_recomputes", 0) == len(pending)
    assert await movie_rating(api, member, movie["id"]) == {
        "average": 3.0,
        "count": 1,
        "distribution": distribution(s3=1),
    }
    assert await user_stats(api, member, member.id) == {"ratings_count": 0, "average_score": None}
    assert await user_stats(api, member, other_member.id) == {"ratings_count": 1, "average_score": 3.0}
    assert await pending_recomputes() == []


async def test_redis_flushed_with_tasks_queued_then_everything_recovers(
    api: httpx.AsyncClient,
    worker: WorkerProcess,
    member: Account,
    other_member: Account,
    make_movie: MakeMovie,
    private_queue: str,
) -> None:
    movie = await make_movie()
    await rate(api, member, movie["id"], 6)  # queued on the private queue, which nobody consumes
    await rate(api, other_member, movie["id"], 10)
    await runtime.current().redis.flushall()  # a Redis restart that lost its data: tasks and flags gone
    assert (await movie_rating(api, member, movie["id"]))["count"] == 0

    report = await reconcile()
    assert report["pending_processed"] >= 1
    assert await movie_rating(api, member, movie["id"]) == {
        "average": 8.0,
        "count": 2,
        "distribution": distribution(s6=1, s10=1),
    }
    assert await user_stats(api, member, member.id) == {"ratings_count": 1, "average_score": 6.0}
    assert await pending_recomputes() == []


async def test_after_a_flush_the_live_pipeline_still_works(
    api: httpx.AsyncClient, worker: WorkerProcess, member: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie()
    await rate(api, member, movie["id"], 4)
    await wait_for_rating(api, member, movie["id"], lambda r: r["count"] == 1)
    await runtime.current().redis.flushall()
    await rate(api, member, movie["id"], 9)
    rating = await wait_for_rating(api, member, movie["id"], lambda r: r["distribution"]["9"] == 1)
    assert rating == {"average": 9.0, "count": 1, "distribution": distribution(s9=1)}


def _kill_group(process: WorkerProcess) -> None:
    """SIGKILL the worker and its pool children (its own session / process group)."""
    os.killpg(process.process.pid, signal.SIGKILL)
    process.process.wait(timeout=30)


async def test_worker_killed_mid_recompute_then_reconcile_repairs(
    api: httpx.AsyncClient,
    servers: Servers,
    worker: WorkerProcess,
    member: Account,
    other_member: Account,
    make_movie: MakeMovie,
    private_queue: str,
) -> None:
    movie = await make_movie()
    doomed = await asyncio.to_thread(start_worker, servers, "-Q", private_queue, name="ratings-doomed")
    try:
        await set_rating_aggregate(movie["id"], 2.0, 50, distribution(s2=50))
        await rate(api, member, movie["id"], 7)
        await rate(api, other_member, movie["id"], 8)
        deadline = time.monotonic() + TASK_TIMEOUT
        while "ratings.drain_recomputes" not in doomed.log():
            assert time.monotonic() < deadline, doomed.log()
            await asyncio.sleep(0.01)
        _kill_group(doomed)
    finally:
        doomed.stop()

    await reconcile()
    assert await movie_rating(api, member, movie["id"]) == {
        "average": 7.5,
        "count": 2,
        "distribution": distribution(s7=1, s8=1),
    }
    assert await user_stats(api, member, other_member.id) == {"ratings_count": 1, "average_score": 8.0}
    assert await pending_recomputes() == []
