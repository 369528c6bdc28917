"""The export life cycle driven in-process through the services: concurrent claims, a stale
worker that lost its claim, failures, transient faults, the sweeper, expiry, both storage
backends."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pymongo.errors import AutoReconnect

from app.kernel import runtime
from app.kernel.storage import S3Storage, Storage, storage_from_settings
from modules.catalog import MovieExportRow, MovieListFilters
from modules.exports.config import ExportSettings
from modules.exports.services import BUILD_TASK, ClaimLost
from tests.integration.accounts import Account
from tests.integration.exports.conftest import (
    Catalog,
    EnqueueRecorder,
    builder,
    create_export,
    maintenance,
    parse_csv,
    service,
    storage_files,
)
from tests.support import error_of


async def new_job(account: Account, filters: dict[str, Any] | None = None) -> str:
    job = await service(EnqueueRecorder()).create(account.id, MovieListFilters.model_validate(filters or {}))
    return str(job.id)


async def export_of(api: httpx.AsyncClient, account: Account, export_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1/exports/{export_id}", headers=account.headers)
    assert response.status_code == 200
    return dict(response.json())


async def test_concurrent_deliveries_claim_once(api: httpx.AsyncClient, member: Account, catalog: Catalog) -> None:
    export_id = await new_job(member)
    results = await asyncio.gather(builder().run(export_id), builder().run(export_id), builder().run(export_id))
    assert sorted(result.outcome for result in results) == ["skipped", "skipped", "succeeded"]
    assert len(storage_files(export_id)) == 1
    assert (await service(EnqueueRecorder()).get(member.id, export_id)).attempts == 1


async def test_a_worker_that_lost_its_claim_cannot_publish(
    api: httpx.AsyncClient, member: Account, catalog: Catalog
) -> None:
    export_id = await new_job(member)
    stale = await builder().claim(export_id)
    assert stale is not None
    # the sweeper judges the first worker dead and hands the job to another one
    requeue = EnqueueRecorder()
    report = await maintenance(requeue).sweep(running_after=timedelta(0))
    assert report.requeued == 1
    assert requeue.calls == [(BUILD_TASK, (export_id,))]
    assert (await export_of(api, member, export_id))["status"] == "pending"
    assert (await builder().run(export_id)).outcome == "succeeded"
    winner = await export_of(api, member, export_id)

    with pytest.raises(ClaimLost):
        await builder().build(stale)
    assert await export_of(api, member, export_id) == winner
    assert len(storage_files(export_id)) == 1
    job = await service(EnqueueRecorder()).get(member.id, export_id)
    assert job.attempts == 2
    assert job.claimed_by != stale.token


async def test_a_redelivery_takes_over_a_running_export_whose_heartbeat_is_stale(
    api: httpx.AsyncClient, member: Account, catalog: Catalog
) -> None:
    export_id = await new_job(member)
    first = await builder().claim(export_id)
    assert first is not None
    assert await builder().claim(export_id) is None  # its heartbeat is fresh: not claimable
    impatient = builder(export_settings=ExportSettings.model_construct(stale_after_seconds=0))
    assert (await impatient.run(export_id)).outcome == "succeeded"
    with pytest.raises(ClaimLost):
        await builder().heartbeat(first, 0.5)
    assert len(storage_files(export_id)) == 1
    assert (await service(EnqueueRecorder()).get(member.id, export_id)).attempts == 2


async def test_an_unexpected_error_fails_the_export_readably(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(filters: MovieListFilters) -> AsyncIterator[MovieExportRow]:
        raise RuntimeError("boom")
        yield  # pragma: no cover

    monkeypatch.setattr("modules.exports.services._builder.iter_movies_for_export", broken)
    export_id = await new_job(member)
    assert (await builder().run(export_id)).outcome == "failed"
    failed = await export_of(api, member, export_id)
    assert failed["status"] == "failed"
    assert failed["error"] == "The export failed unexpectedly (RuntimeError); create a new export."
    assert failed["finished_at"] is not None
    assert failed["download_url"] is None
    assert storage_files(export_id) == []
    # its slot is free again: three more exports fit
    for _ in range(3):
        await new_job(member)


async def test_a_transient_fault_hands_the_export_back_for_the_retry(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def flaky(filters: MovieListFilters) -> AsyncIterator[MovieExportRow]:
        raise AutoReconnect("connection reset")
        yield  # pragma: no cover

    monkeypatch.setattr("modules.exports.services._builder.iter_movies_for_export", flaky)
    export_id = await new_job(member)
    with pytest.raises(AutoReconnect):
        await builder().run(export_id)
    assert (await export_of(api, member, export_id))["status"] == "pending"
    monkeypatch.undo()
    assert (await builder().run(export_id)).outcome == "succeeded"
    assert (await service(EnqueueRecorder()).get(member.id, export_id)).attempts == 2


async def test_retries_used_up_end_the_export_failed(api: httpx.AsyncClient, member: Account) -> None:
    export_id = await new_job(member)
    assert await builder().give_up(export_id, "The export failed after 6 attempts (AutoReconnect); try again.")
    failed = await export_of(api, member, export_id)
    assert failed["status"] == "failed"
    assert failed["error"] == "The export failed after 6 attempts (AutoReconnect); try again."
    assert not await builder().give_up(export_id, "again")


async def test_one_sweep_takes_lost_pending_and_stale_running_exports_within_its_limit(
    api: httpx.AsyncClient, member: Account, other_member: Account
) -> None:
    lost = await new_job(member)
    stale = await new_job(other_member)
    assert await builder().claim(stale) is not None
    zero = timedelta(0)  # every job is overdue

    first = EnqueueRecorder()
    assert (await maintenance(first).sweep(limit=1, pending_after=zero, running_after=zero)).requeued == 1
    assert first.calls == [(BUILD_TASK, (lost,))]  # pending ones first
    rest = EnqueueRecorder()
    assert (
        await maintenance(rest).sweep(pending_after=zero, running_after=zero)
    ).requeued == 2  # both again (pending for 0 s)
    assert sorted(call[1][0] for call in rest.calls) == sorted([lost, stale])
    assert (await export_of(api, other_member, stale))["status"] == "pending"


async def test_sweeper_requeues_lost_pending_exports_and_gives_up_after_max_attempts(
    api: httpx.AsyncClient, member: Account
) -> None:
    export_id = await new_job(member)
    fresh = EnqueueRecorder()
    assert (await maintenance(fresh).sweep()).requeued == 0  # not pending for long yet
    down = EnqueueRecorder(accept=False)
    assert (await maintenance(down).sweep(pending_after=timedelta(0))).requeued == 0
    assert down.calls == [(BUILD_TASK, (export_id,))]
    up = EnqueueRecorder()
    assert (await maintenance(up).sweep(pending_after=timedelta(0))).requeued == 1
    assert up.calls == [(BUILD_TASK, (export_id,))]

    # a worker dies on it again and again: after max_attempts claims the sweeper gives up
    for attempt in range(1, 6):
        assert await builder().claim(export_id) is not None
        report = await maintenance(EnqueueRecorder()).sweep(running_after=timedelta(0))
        assert report.as_dict() == ({"requeued": 1, "failed": 0} if attempt < 5 else {"requeued": 0, "failed": 1})
    failed = await export_of(api, member, export_id)
    assert failed["status"] == "failed"
    assert failed["error"] == "The export was given up after 5 attempts."


async def test_expires_at_passed_is_410_before_the_file_is_deleted(
    api: httpx.AsyncClient, member: Account, catalog: Catalog
) -> None:
    export_id = await new_job(member)
    assert (await builder(ttl_seconds=0).run(export_id)).outcome == "succeeded"
    assert len(storage_files(export_id)) == 1
    export = await export_of(api, member, export_id)
    assert export["status"] == "succeeded"
    assert export["expires_at"] == export["finished_at"]
    assert export["download_url"] is None
    response = await api.get(f"/v1/exports/{export_id}/download", headers=member.headers)
    assert response.status_code == 410
    assert error_of(response)["code"] == "EXPORT_EXPIRED"

    assert await maintenance(EnqueueRecorder()).expire() == 1
    assert storage_files(export_id) == []
    assert await maintenance(EnqueueRecorder()).expire() == 0
    assert (await api.get(f"/v1/exports/{export_id}/download", headers=member.headers)).status_code == 410


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    from app.kernel.embedded import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def backend(request: pytest.FixtureRequest, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> Storage:
    """Point the running app's settings at the backend under test; return that storage."""
    settings = runtime.current().settings
    if request.param == "s3":
        monkeypatch.setattr(settings, "storage_backend", "s3")
        monkeypatch.setattr(settings, "s3_endpoint_url", request.getfixturevalue("s3_endpoint"))
        monkeypatch.setattr(settings, "s3_bucket", f"exports-{secrets.token_hex(4)}")
        monkeypatch.setattr(settings, "s3_access_key_id", "export-test")
        monkeypatch.setattr(settings, "s3_secret_access_key", "export-test-secret")
    else:
        monkeypatch.setattr(settings, "storage_backend", "filesystem")
    storage = storage_from_settings(settings)
    assert storage.backend == request.param
    return storage


async def test_build_download_and_expire_on_each_storage_backend(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, backend: Storage, enqueued: EnqueueRecorder
) -> None:
    export = await create_export(api, member, {"sort": "year"})
    assert enqueued.calls == [(BUILD_TASK, (export["id"],))]
    stats = await builder().run(export["id"])
    assert stats.outcome == "succeeded"
    job = await service(enqueued).get(member.id, export["id"])
    assert job.storage_key is not None
    assert await backend.exists(job.storage_key)
    if isinstance(backend, S3Storage):
        assert storage_files(export["id"]) == []  # nothing on the local disk

    response = await api.get(f"/v1/exports/{export['id']}/download", headers=member.headers)
    assert response.status_code == 200
    rows = parse_csv(response.content)
    assert len(rows) == len(catalog.movies) + 1
    assert [int(row[2]) for row in rows[1:]] == sorted(int(row[2]) for row in rows[1:])
    assert len(response.content) == stats.size_bytes == await backend.size(job.storage_key)

    assert (
        await maintenance(enqueued).expire(now=job.expires_at + timedelta(seconds=1) if job.expires_at else None) == 1
    )
    assert not await backend.exists(job.storage_key)
    assert (await api.get(f"/v1/exports/{export['id']}/download", headers=member.headers)).status_code == 410
