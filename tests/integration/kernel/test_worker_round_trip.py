"""A real Celery worker process runs a real task against the real Redis and MongoDB."""

from __future__ import annotations

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
