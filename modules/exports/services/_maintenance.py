"""Beat-driven upkeep: delete expired files, and re-queue exports a dead worker left behind."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from app.kernel.storage import Storage
from modules.exports.config import ExportSettings
from modules.exports.documents import ExportJob, utcnow
from modules.exports.services._queue import BUILD_TASK, Enqueue

log = structlog.get_logger("marquee.exports.maintenance")

BATCH = 500


@dataclass(frozen=True)
class SweepReport:
    requeued: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class ExportMaintenance:
    def __init__(self, export_settings: ExportSettings, storage: Storage, enqueue: Enqueue) -> None:
        self._settings = export_settings
        self._storage = storage
        self._enqueue = enqueue

    async def expire(self, now: datetime | None = None, limit: int = BATCH) -> int:
        """Delete the files of succeeded exports whose ``expires_at`` has passed (as of ``now``)
        and record ``file_deleted_at``; the jobs keep status ``succeeded``. Idempotent: the file is
        deleted before the job records it, so an interrupted run is completed by the next one."""
        now = now or utcnow()
        collection = ExportJob.get_pymongo_collection()
        cursor = collection.find(
            {"expires_at": {"$lte": now}, "status": "succeeded", "file_deleted_at": None},
            projection={"storage_key": 1},
            limit=limit,
        )
        expired = 0
        async for raw in cursor:
            key = raw.get("storage_key")
            if isinstance(key, str):
                await self._storage.delete(key)
            await collection.update_one(
                {"_id": raw["_id"], "file_deleted_at": None},
                {"$set": {"file_deleted_at": now, "storage_key": None}},
            )
            expired += 1
        if expired:
            log.info("exports_expired", count=expired)
        return expired

    async def sweep(
        self,
        now: datetime | None = None,
        *,
        pending_after: timedelta | None = None,
        running_after: timedelta | None = None,
        limit: int = BATCH,
    ) -> SweepReport:
        """Re-queue exports left pending too long (lost message, broker outage) or running with a
        stale heartbeat (dead worker); fail those that have used up their attempts."""
        now = now or utcnow()
        if pending_after is None:
            pending_after = timedelta(seconds=self._settings.requeue_pending_after_seconds)
        if running_after is None:
            running_after = self.stale_after
        collection = ExportJob.get_pymongo_collection()
        requeued = failed = 0
        due = _due(
            collection,
            # one query per status on (status, heartbeat_at), not an $or (a collection scan on the
            # embedded server, see app.kernel.documents)
            [
                {"status": "pending", "heartbeat_at": {"$lt": now - pending_after}},
                {"status": "running", "heartbeat_at": {"$lt": now - running_after}},
            ],
            limit,
        )
        async with aclosing(due):
            async for raw in due:
                unchanged = {"_id": raw["_id"], "status": raw["status"], "heartbeat_at": raw["heartbeat_at"]}
                attempts = int(raw.get("attempts", 0))
                if attempts >= self._settings.max_attempts:
                    result = await collection.update_one(
                        unchanged,
                        {
                            "$set": {
                                "status": "failed",
                                "error": f"The export was given up after {attempts} attempts.",
                                "finished_at": now,
                            },
                            "$unset": {"active_slot": ""},
                        },
                    )
                    failed += result.modified_count
                    continue
                result = await collection.update_one(
                    unchanged, {"$set": {"status": "pending", "claimed_by": None, "heartbeat_at": now}}
                )
                if result.modified_count != 1:
                    continue
                if not await self._enqueue(BUILD_TASK, (str(raw["_id"]),)):
                    # the broker is down: leave the job due for the next sweep
                    await collection.update_one(
                        {"_id": raw["_id"], "status": "pending", "heartbeat_at": now},
                        {"$set": {"heartbeat_at": raw["heartbeat_at"]}},
                    )
                    break
                log.warning("export_requeued", export_id=str(raw["_id"]), was=raw["status"], attempts=attempts)
                requeued += 1
        return SweepReport(requeued=requeued, failed=failed)

    @property
    def stale_after(self) -> timedelta:
        return timedelta(seconds=self._settings.stale_after_seconds)


async def _due(collection: Any, conditions: list[dict[str, Any]], limit: int) -> AsyncGenerator[dict[str, Any]]:
    """The jobs matching each condition in turn, ``limit`` in all."""
    left = limit
    for condition in conditions:
        if left <= 0:
            return
        cursor = collection.find(condition, projection={"status": 1, "heartbeat_at": 1, "attempts": 1}, limit=left)
        async for raw in cursor:
            left -= 1
            yield raw
