"""How a build reads and reports: names read whole or per batch give the same file, progress and
heartbeats are written by a background task (even while no row arrives), and a claim lost
mid-export stops the row loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bson import ObjectId

from modules.catalog import MovieExportRow, MovieListFilters, iter_movies_for_export
from modules.exports.documents import ExportJob
from tests.integration.accounts import Account
from tests.integration.exports.conftest import Catalog, EnqueueRecorder, builder, parse_csv, service

# the longest a test waits for the background beat (polled, not a timing assertion)
POLLS = 1000
POLL_SECONDS = 0.01


async def new_job(account: Account, filters: dict[str, Any] | None = None) -> str:
    job = await service(EnqueueRecorder()).create(account.id, MovieListFilters.model_validate(filters or {}))
    return str(job.id)


async def job_document(export_id: str) -> dict[str, Any]:
    raw = await ExportJob.get_pymongo_collection().find_one({"_id": ObjectId(export_id)})
    assert raw is not None
    return dict(raw)


async def csv_of(api: httpx.AsyncClient, account: Account, export_id: str) -> list[list[str]]:
    response = await api.get(f"/v1/exports/{export_id}/download", headers=account.headers)
    assert response.status_code == 200, response.text
    return parse_csv(response.content)


async def test_names_looked_up_per_batch_give_the_file_of_names_read_whole(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    filters = {"sort": "title"}
    whole_id = await new_job(member, filters)
    assert (await builder().run(whole_id)).outcome == "succeeded"
    whole = await csv_of(api, member, whole_id)

    # reference collections "too large" to read whole: names come from one $in per batch
    monkeypatch.setattr("modules.catalog.services._export.WHOLE_COLLECTION_MAX", 0)
    per_batch_id = await new_job(member, filters)
    assert (await builder().run(per_batch_id)).outcome == "succeeded"
    per_batch = await csv_of(api, member, per_batch_id)

    assert per_batch == whole
    assert len(whole) == len(catalog.movies) + 1
    directors = {row[6] for row in whole[1:]}
    assert directors == {"Ron Clements", "'@Evil Director", "Greta Gerwig"}
    cast = {name for row in whole[1:] for name in row[7].lstrip("'").split("|")}
    assert cast == {"Auli'i Cravalho", "=Danger Actor", "Saoirse Ronan"}


async def test_progress_is_written_while_no_row_has_arrived(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_id = await new_job(member)
    beats: list[Any] = []

    async def slow_first_batch(filters: MovieListFilters) -> AsyncIterator[MovieExportRow]:
        claimed = (await job_document(export_id))["heartbeat_at"]
        for _ in range(POLLS):  # the server "preparing the first batch": no row yet
            beat = (await job_document(export_id))["heartbeat_at"]
            if beat != claimed:
                beats.append(beat)
                break
            await asyncio.sleep(POLL_SECONDS)
        async for row in iter_movies_for_export(filters):
            yield row

    monkeypatch.setattr("modules.exports.services._builder.PROGRESS_INTERVAL_SECONDS", POLL_SECONDS)
    monkeypatch.setattr("modules.exports.services._builder.iter_movies_for_export", slow_first_batch)
    stats = await builder().run(export_id)

    assert beats, "no heartbeat was written while the first batch was awaited"
    assert stats.outcome == "succeeded"
    assert stats.row_count == len(catalog.movies)
    done = await job_document(export_id)
    assert (done["status"], done["progress"]) == ("succeeded", 1.0)


async def test_a_claim_lost_mid_export_stops_the_row_loop(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_id = await new_job(member)
    yielded: list[int] = []
    endless = POLLS * 10

    async def rows_then_stolen(filters: MovieListFilters) -> AsyncIterator[MovieExportRow]:
        rows = [row async for row in iter_movies_for_export(filters)]
        first = rows[0]
        yield first
        # the sweeper hands the job to another worker while this one is still writing rows
        await ExportJob.get_pymongo_collection().update_one(
            {"_id": ObjectId(export_id)}, {"$set": {"claimed_by": "another-worker"}}
        )
        for count in range(endless):
            yielded.append(count)
            yield first
            await asyncio.sleep(POLL_SECONDS / 10)

    monkeypatch.setattr("modules.exports.services._builder.PROGRESS_INTERVAL_SECONDS", POLL_SECONDS)
    monkeypatch.setattr("modules.exports.services._builder.iter_movies_for_export", rows_then_stolen)
    stats = await builder().run(export_id)

    assert stats.outcome == "lost"
    assert len(yielded) < endless  # the next beat failed and the row loop stopped on it
    job = await job_document(export_id)
    assert (job["status"], job["claimed_by"]) == ("running", "another-worker")
