"""Export jobs as their owner sees them: create (capped, queued), list, read, download."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog
from beanie import SortDirection
from pymongo.errors import DuplicateKeyError

from app.kernel.pagination import PageParams
from app.kernel.storage import ObjectNotFound, Storage, StorageUnavailable
from modules.catalog import MovieListFilters
from modules.exports.config import ExportSettings
from modules.exports.documents import ExportJob, utcnow
from modules.exports.errors import (
    ExportExpired,
    ExportNotFound,
    ExportNotReady,
    ExportQueueUnavailable,
    ExportStorageUnavailable,
    TooManyExports,
)
from modules.exports.services._ids import object_id
from modules.exports.services._queue import BUILD_TASK, Enqueue

log = structlog.get_logger("marquee.exports")

# what a capped client is told to wait before trying again (a small export takes seconds)
CAP_RETRY_AFTER_SECONDS = 30
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
QUEUE_DOWN_ERROR = "The export queue was unavailable when the export was created; create it again."


@dataclass(frozen=True)
class ExportDownload:
    filename: str
    size_bytes: int | None
    chunks: AsyncIterator[bytes]


class ExportService:
    def __init__(self, export_settings: ExportSettings, storage: Storage, enqueue: Enqueue) -> None:
        self._settings = export_settings
        self._storage = storage
        self._enqueue = enqueue

    async def create(self, owner_id: str, filters: MovieListFilters) -> ExportJob:
        """Store a pending job in one of the owner's free slots and enqueue its build.

        Raises ``TooManyExports`` when every slot is taken (the unique partial index on
        ``(owner_id, active_slot)`` makes this atomic across API processes), and
        ``ExportQueueUnavailable`` when the broker cannot be reached (the job is then marked
        failed, freeing its slot, so a retry by the client starts cleanly).
        """
        stored_filters = filters.model_dump(mode="json", exclude_defaults=True)
        job = await self._insert_in_free_slot(owner_id, stored_filters)
        job_id = str(job.id)
        if not await self._enqueue(BUILD_TASK, (job_id,)):
            await ExportJob.get_pymongo_collection().update_one(
                {"_id": job.id, "status": "pending"},
                {
                    "$set": {"status": "failed", "error": QUEUE_DOWN_ERROR, "finished_at": utcnow()},
                    "$unset": {"active_slot": ""},
                },
            )
            log.warning("export_not_queued", export_id=job_id)
            raise ExportQueueUnavailable(details={"export_id": job_id})
        log.info("export_created", export_id=job_id, owner_id=owner_id)
        return job

    async def _insert_in_free_slot(self, owner_id: str, filters: dict[str, object]) -> ExportJob:
        cap = self._settings.max_active_per_user
        for slot in range(cap):
            now = utcnow()
            job = ExportJob(owner_id=owner_id, filters=filters, active_slot=slot, created_at=now, heartbeat_at=now)
            try:
                await job.insert()
            except DuplicateKeyError:
                continue
            return job
        raise TooManyExports(
            f"At most {cap} exports may be pending or running at once; wait for one to finish.",
            details={"limit": cap, "retry_after_seconds": CAP_RETRY_AFTER_SECONDS},
            headers={"Retry-After": str(CAP_RETRY_AFTER_SECONDS)},
        )

    async def list_page(self, owner_id: str, page: PageParams) -> tuple[list[ExportJob], int]:
        """The owner's exports, newest first (ties by id)."""
        total = await ExportJob.find({"owner_id": owner_id}).count()
        found = (
            await ExportJob.find({"owner_id": owner_id})
            .sort([("created_at", SortDirection.DESCENDING), ("_id", SortDirection.DESCENDING)])
            .skip(page.skip)
            .limit(page.limit)
            .to_list()
        )
        return found, total

    async def get(self, owner_id: str, export_id: str) -> ExportJob:
        """The owner's export; another user's, an unknown or a malformed id is ``ExportNotFound``."""
        oid = object_id(export_id)
        job = None if oid is None else await ExportJob.find_one({"_id": oid, "owner_id": owner_id})
        if job is None:
            raise ExportNotFound()
        return job

    async def open_download(self, owner_id: str, export_id: str) -> ExportDownload:
        """The file of a succeeded, unexpired export as a stream of chunks."""
        job = await self.get(owner_id, export_id)
        if job.status != "succeeded":
            raise ExportNotReady(details={"status": job.status})
        if not job.is_downloadable(utcnow()) or job.storage_key is None:
            raise ExportExpired(details={"expires_at": job.expires_at.isoformat() if job.expires_at else None})
        try:
            chunks = await self._storage.open(job.storage_key)
        except ObjectNotFound:
            log.warning("export_file_missing", export_id=export_id)
            raise ExportExpired() from None
        except StorageUnavailable:
            raise ExportStorageUnavailable() from None
        return ExportDownload(filename=f"movies-export-{job.id}.csv", size_bytes=job.size_bytes, chunks=chunks)
