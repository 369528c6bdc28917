"""A worker killed with SIGKILL in the middle of an export: the job still ends ``succeeded``
exactly once, with one file (acks late + heartbeat + sweeper + the conditional final update)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import timedelta

import httpx
import pytest
from celery import current_app

from modules.exports.services import BUILD_TASK
from tests.integration.accounts import Account
from tests.integration.exports.conftest import (
    WAIT_SECONDS,
    Catalog,
    EnqueueRecorder,
    create_export,
    maintenance,
    parse_csv,
    service,
    storage_files,
    wait_for_export,
)
from tests.support import Servers, WorkerProcess, start_worker

pytestmark = [pytest.mark.worker, pytest.mark.slow]

# the doomed worker sleeps this long after each row, so it is surely killed mid-export
ROW_DELAY_SECONDS = "0.4"


async def start_worker_on(servers: Servers, queue: str, name: str) -> WorkerProcess:
    """A worker of its own queue, so the session's worker cannot take the job instead."""
    return await asyncio.to_thread(start_worker, servers, "-Q", queue, name=name)


def kill_hard(worker: WorkerProcess) -> None:
    """SIGKILL the worker's whole process group (the main process and its pool child)."""
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=30)


async def test_worker_killed_mid_export_still_succeeds_exactly_once(
    api: httpx.AsyncClient,
    member: Account,
    catalog: Catalog,
    servers: Servers,
    enqueued: EnqueueRecorder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    export = await create_export(api, member, {"sort": "title"})
    export_id = export["id"]

    monkeypatch.setenv("EXPORT_ROW_DELAY_SECONDS", ROW_DELAY_SECONDS)
    doomed = await start_worker_on(servers, "exports-doomed", "doomed")
    monkeypatch.delenv("EXPORT_ROW_DELAY_SECONDS")
    try:
        current_app.send_task(BUILD_TASK, args=[export_id], queue="exports-doomed")
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            running = (await api.get(f"/v1/exports/{export_id}", headers=member.headers)).json()
            if running["status"] == "running" and running["progress"] > 0:
                break
            assert running["status"] in ("pending", "running"), running
            assert time.monotonic() < deadline, doomed.log()[-3000:]
            await asyncio.sleep(0.05)
        kill_hard(doomed)
    finally:
        doomed.stop()

    after_kill = (await api.get(f"/v1/exports/{export_id}", headers=member.headers)).json()
    assert after_kill["status"] == "running"
    assert 0 < after_kill["progress"] < 1
    assert storage_files(export_id) == []

    rescuer = await start_worker_on(servers, "exports-rescue", "rescuer")
    try:

        async def to_rescuer(name: str, args: tuple[str, ...]) -> bool:
            current_app.send_task(name, args=list(args), queue="exports-rescue")
            return True

        # the sweeper runs with a zero staleness threshold instead of waiting out EXPORT_STALE_AFTER_SECONDS
        report = await maintenance(to_rescuer).sweep(running_after=timedelta(0))
        assert report.requeued == 1
        done = await wait_for_export(api, member, export_id)
    finally:
        rescuer.stop()

    assert done["status"] == "succeeded", (done, rescuer.log()[-3000:])
    assert done["row_count"] == len(catalog.movies)
    files = storage_files(export_id)
    assert len(files) == 1, files
    body = (await api.get(f"/v1/exports/{export_id}/download", headers=member.headers)).content
    rows = parse_csv(body)
    assert len(rows) == len(catalog.movies) + 1
    assert len({row[0] for row in rows[1:]}) == len(catalog.movies)
    job = await service(enqueued).get(member.id, export_id)
    assert job.attempts == 2
    # one succeeded transition: only the rescuer ever finished it
    assert "export_succeeded" not in doomed.log()
    assert rescuer.log().count("export_succeeded") == 1
    assert "export_claimed" in doomed.log()
