"""Building an export's CSV: claim the job, stream the rows into a file, publish it, record it.

Exactly-once publication on at-least-once delivery:

- The claim is one conditional ``update_one`` on the job's ``_id`` (pending -> running, or
  running with a stale heartbeat -> running; each condition its own atomic update, as an ``$or``
  or a findAndModify makes the embedded server scan the collection) that stores a fresh claim
  token in ``claimed_by``, then the job is read back by ``_id``; a second delivery of the same
  job finds nothing to claim and exits.
- Progress and heartbeats are written only while ``claimed_by`` still holds our token; once the
  sweeper has handed the job to another worker, the next heartbeat fails and this build stops.
- Rows stream from the catalog's cursor into an anonymous temporary file (memory stays flat;
  a killed worker leaves nothing behind), which is then published through the storage
  interface under a key unique to the claim (atomic on both backends).
- The final transition to ``succeeded`` is conditional on the claim too; a worker that lost its
  claim deletes the object it published, so one export never leaves two files.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import IO, Any, Literal

import structlog
from bson import ObjectId
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.kernel.documents import update_and_read, update_one_of
from app.kernel.storage import CHUNK_SIZE, Storage, StorageUnavailable
from modules.catalog import MovieListFilters, count_movies, iter_movies_for_export
from modules.exports.config import ExportSettings
from modules.exports.csv_writer import MovieCsvWriter
from modules.exports.documents import ExportJob, utcnow
from modules.exports.services._ids import object_id
from modules.exports.services._jobs import CSV_MEDIA_TYPE

log = structlog.get_logger("marquee.exports.builder")

# faults a retry may cure (the task retries them with exponential backoff)
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionFailure,
    RedisConnectionError,
    RedisTimeoutError,
    StorageUnavailable,
)
# progress (with the heartbeat) is written at most this often: each write is one single-document
# commit (~7 ms on the embedded server), so a per-row-count schedule would cost a 100k-row export
# a thousand of them; once a second costs nothing and still moves the client's progress bar
PROGRESS_INTERVAL_SECONDS = 1.0
# however short the heartbeat period is configured, the beats never become a tight write loop
MIN_PROGRESS_INTERVAL_SECONDS = 0.05
Outcome = Literal["succeeded", "failed", "skipped", "lost"]
Progress = Callable[[int], Awaitable[None]]


class ClaimLost(Exception):
    """Another worker owns the job now (the sweeper judged this one dead)."""


@dataclass(frozen=True)
class Claim:
    job_id: ObjectId
    token: str
    filters: Mapping[str, Any]
    attempts: int


@dataclass(frozen=True)
class ExportStats:
    """What one build did: for task results, logs and the benchmark."""

    export_id: str
    outcome: Outcome
    row_count: int = 0
    size_bytes: int = 0
    seconds: float = 0.0
    rows_per_second: float = 0.0
    peak_rss_bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def peak_rss_bytes() -> int:
    """This process's peak resident set size so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def object_key(job_id: ObjectId, token: str) -> str:
    return f"exports/{job_id}/{token.rsplit('/', 1)[-1]}.csv"


def _file_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    handle.seek(0)
    while chunk := handle.read(CHUNK_SIZE):
        yield chunk


async def write_movies_csv(
    filters: MovieListFilters, handle: IO[bytes], progress: Progress | None = None
) -> tuple[int, int]:
    """Stream the filtered movies as CSV into ``handle``; returns (rows, bytes)."""
    writer = MovieCsvWriter(handle)
    rows = 0
    async for row in iter_movies_for_export(filters):
        writer.write(row)
        rows += 1
        if progress is not None:
            await progress(rows)
    return rows, writer.finish()


def _claimable(stale: datetime) -> tuple[dict[str, Any], ...]:
    """The states a job can be claimed (or given up) from: pending, or running with a heartbeat
    older than ``stale``."""
    return {"status": "pending"}, {"status": "running", "heartbeat_at": {"$lt": stale}}


def readable_error(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "The export's filters are no longer valid; create a new export."
    return f"The export failed unexpectedly ({type(exc).__name__}); create a new export."


class ExportBuilder:
    def __init__(self, export_settings: ExportSettings, storage: Storage, ttl_seconds: int) -> None:
        self._settings = export_settings
        self._storage = storage
        self._ttl = timedelta(seconds=ttl_seconds)

    @property
    def heartbeat_seconds(self) -> float:
        return self._settings.stale_after_seconds / 4

    @property
    def row_delay_seconds(self) -> float:
        return self._settings.row_delay_seconds

    async def run(self, export_id: str) -> ExportStats:
        """Claim and build one export. Transient faults propagate (after releasing the claim)
        for the task to retry; anything else ends the export ``failed``."""
        claim = await self.claim(export_id)
        if claim is None:
            log.info("export_not_claimable", export_id=export_id)
            return ExportStats(export_id, "skipped")
        if claim.attempts > self._settings.max_attempts:
            await self.fail(claim, f"The export was given up after {claim.attempts - 1} attempts.")
            return ExportStats(export_id, "failed")
        try:
            return await self.build(claim)
        except ClaimLost:
            log.warning("export_claim_lost", export_id=export_id)
            return ExportStats(export_id, "lost")
        except TRANSIENT_ERRORS:
            await self._release_quietly(claim)
            raise
        except Exception as exc:  # every other failure is recorded on the job
            log.exception("export_failed", export_id=export_id)
            await self.fail(claim, readable_error(exc))
            return ExportStats(export_id, "failed")

    async def claim(self, export_id: str) -> Claim | None:
        oid = object_id(export_id)
        if oid is None:
            return None
        now = utcnow()
        token = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex}"
        stale = now - timedelta(seconds=self._settings.stale_after_seconds)
        raw = await update_and_read(
            ExportJob.get_pymongo_collection(),
            {"_id": oid},
            {
                "$set": {"status": "running", "claimed_by": token, "heartbeat_at": now, "started_at": now},
                "$inc": {"attempts": 1},
            },
            any_of=_claimable(stale),
            projection={"filters": 1, "attempts": 1},
        )
        if raw is None:
            return None
        log.info("export_claimed", export_id=export_id, attempt=raw["attempts"])
        return Claim(job_id=oid, token=token, filters=dict(raw.get("filters") or {}), attempts=int(raw["attempts"]))

    async def build(self, claim: Claim) -> ExportStats:
        """Write, publish and record the file of a claimed export (raises ``ClaimLost``)."""
        started = time.monotonic()
        filters = MovieListFilters.model_validate(dict(claim.filters))
        total = await count_movies(filters)
        key = object_key(claim.job_id, claim.token)
        with tempfile.TemporaryFile(prefix="marquee-export-") as handle:
            async with _ProgressTracker(self, claim, total) as tracker:
                rows, size = await write_movies_csv(filters, handle, tracker.row_done)
            await self.heartbeat(claim, 1.0 if rows >= total else rows / total)
            await self._storage.put(key, _file_chunks(handle), content_type=CSV_MEDIA_TYPE)
        if not await self._succeed(claim, key, rows, size):
            await self._storage.delete(key)
            raise ClaimLost()
        seconds = time.monotonic() - started
        stats = ExportStats(
            export_id=str(claim.job_id),
            outcome="succeeded",
            row_count=rows,
            size_bytes=size,
            seconds=round(seconds, 3),
            rows_per_second=round(rows / seconds, 1) if seconds > 0 else 0.0,
            peak_rss_bytes=peak_rss_bytes(),
        )
        log.info("export_succeeded", **stats.as_dict())
        return stats

    async def heartbeat(self, claim: Claim, progress: float) -> None:
        result = await ExportJob.get_pymongo_collection().update_one(
            {"_id": claim.job_id, "status": "running", "claimed_by": claim.token},
            {"$set": {"progress": min(progress, 1.0), "heartbeat_at": utcnow()}},
        )
        if result.matched_count != 1:
            raise ClaimLost()

    async def _succeed(self, claim: Claim, key: str, rows: int, size: int) -> bool:
        now = utcnow()
        result = await ExportJob.get_pymongo_collection().update_one(
            {"_id": claim.job_id, "status": "running", "claimed_by": claim.token},
            {
                "$set": {
                    "status": "succeeded",
                    "progress": 1.0,
                    "row_count": rows,
                    "size_bytes": size,
                    "storage_key": key,
                    "finished_at": now,
                    "expires_at": now + self._ttl,
                    "heartbeat_at": now,
                    "error": None,
                },
                "$unset": {"active_slot": ""},
            },
        )
        return result.modified_count == 1

    async def fail(self, claim: Claim, message: str) -> None:
        """End a claimed export ``failed`` with a readable ``error`` (only while we hold it)."""
        await ExportJob.get_pymongo_collection().update_one(
            {"_id": claim.job_id, "status": "running", "claimed_by": claim.token},
            {"$set": {"status": "failed", "error": message, "finished_at": utcnow()}, "$unset": {"active_slot": ""}},
        )

    async def give_up(self, export_id: str, message: str) -> bool:
        """Fail an export whose retries are exhausted, unless another worker has claimed it since."""
        oid = object_id(export_id)
        if oid is None:
            return False
        stale = utcnow() - timedelta(seconds=self._settings.stale_after_seconds)
        return await update_one_of(
            ExportJob.get_pymongo_collection(),
            {"_id": oid},
            {"$set": {"status": "failed", "error": message, "finished_at": utcnow()}, "$unset": {"active_slot": ""}},
            any_of=_claimable(stale),
        )

    async def _release_quietly(self, claim: Claim) -> None:
        """Hand a claimed export back (pending) so the retry can claim it at once; when even
        that fails, its heartbeat goes stale and the sweeper or a retry takes it over."""
        try:
            await ExportJob.get_pymongo_collection().update_one(
                {"_id": claim.job_id, "status": "running", "claimed_by": claim.token},
                {"$set": {"status": "pending", "claimed_by": None, "heartbeat_at": utcnow()}},
            )
        except TRANSIENT_ERRORS as exc:
            log.warning("export_release_failed", export_id=str(claim.job_id), error=type(exc).__name__)


class _ProgressTracker:
    """Writes progress + heartbeat from a background task every ``PROGRESS_INTERVAL_SECONDS``
    (one single-document write each, whatever the row rate, and a heartbeat even while the
    server is preparing the first batch), and applies the ``EXPORT_ROW_DELAY_SECONDS`` test knob.

    A failed write (the claim lost, or a transient fault) stops the beats; the row loop raises
    it at its next row."""

    def __init__(self, builder: ExportBuilder, claim: Claim, total: int) -> None:
        self._builder = builder
        self._claim = claim
        self._total = total
        self._interval = max(MIN_PROGRESS_INTERVAL_SECONDS, min(PROGRESS_INTERVAL_SECONDS, builder.heartbeat_seconds))
        self._delay = builder.row_delay_seconds
        self._rows = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> _ProgressTracker:
        self._task = asyncio.create_task(self._beat())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            progress = self._rows / self._total if self._total else 1.0
            await self._builder.heartbeat(self._claim, progress)

    async def row_done(self, rows: int) -> None:
        if self._task is not None and self._task.done():
            self._task.result()  # the beats ended: raises what stopped them
        self._rows = rows
        if self._delay:
            await asyncio.sleep(self._delay)
