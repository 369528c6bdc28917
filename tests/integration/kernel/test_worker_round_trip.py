"""A real Celery worker process runs a real task against the real Redis and MongoDB."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.support import WorkerProcess

pytestmark = pytest.mark.worker


def test_worker_round_trip(worker: WorkerProcess, migrated: None) -> None:
    from workers.celery_app import create_celery
    from workers.diagnostics import echo

    create_celery()
    value = uuid.uuid4().hex
    result = echo.delay(value).get(timeout=60)
    assert result == {"echo": value, "stored": {"value": value}}


def test_request_id_flows_into_worker_logs(worker: WorkerProcess, migrated: None) -> None:
    """The request that enqueued a task is traceable in the worker's log lines."""
    import structlog

    from workers.celery_app import create_celery
    from workers.diagnostics import echo

    create_celery()
    request_id = f"req-{uuid.uuid4().hex}"
    structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        echo.delay("traced").get(timeout=60)
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    deadline = time.monotonic() + 15  # the log line may be written just after the result is stored
    while time.monotonic() < deadline:
        lines = [line for line in worker.log().splitlines() if request_id in line]
        if any("task_succeeded" in line for line in lines):
            break
        time.sleep(0.1)
    assert any("task_succeeded" in line for line in lines), worker.log()[-3000:]
