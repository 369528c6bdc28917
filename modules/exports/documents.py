"""The export job document (``export_jobs``) and its named indexes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from beanie import Document
from pydantic import Field
from pymongo import ASCENDING, DESCENDING, IndexModel

ExportStatus = Literal["pending", "running", "succeeded", "failed"]
ACTIVE_STATUSES: tuple[ExportStatus, ...] = ("pending", "running")


def utcnow() -> datetime:
    """Now, to the millisecond (what MongoDB stores), so a job reads back as it was written."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


class ExportJob(Document):
    """One asynchronous export of the caller's filtered catalog into a CSV object.

    ``active_slot`` (0 .. cap-1) exists only while the job is pending or running: a unique
    partial index on ``(owner_id, active_slot)`` makes the per-user cap of concurrent exports
    atomic, and every terminal transition ``$unset``s it in the same update. ``heartbeat_at`` is
    the last sign of life: the (re-)enqueue time while pending, the worker's heartbeat while
    running; the sweeper finds lost jobs by ``(status, heartbeat_at)``. ``claimed_by`` is the
    token of the claim in force: progress, heartbeats and the final transition are conditional
    on it, so a worker that lost its claim can never publish. An expired export keeps status
    ``succeeded`` with ``expires_at`` in the past; the expiry task deletes its file and sets
    ``file_deleted_at``.
    """

    owner_id: str
    resource: Literal["movies"] = "movies"
    format: Literal["csv"] = "csv"
    filters: dict[str, Any] = Field(default_factory=dict)
    status: ExportStatus = "pending"
    progress: float = 0.0
    row_count: int | None = None
    size_bytes: int | None = None
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = None
    storage_key: str | None = None
    file_deleted_at: datetime | None = None
    attempts: int = 0
    claimed_by: str | None = None
    heartbeat_at: datetime | None = None
    active_slot: int | None = None

    def is_downloadable(self, now: datetime) -> bool:
        """Succeeded, not expired, file not deleted."""
        return (
            self.status == "succeeded"
            and self.storage_key is not None
            and self.file_deleted_at is None
            and self.expires_at is not None
            and self.expires_at > now
        )

    class Settings:
        name = "export_jobs"
        use_state_management = False
        indexes = [
            IndexModel(
                [("owner_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="export_jobs_owner"
            ),
            IndexModel([("status", ASCENDING), ("heartbeat_at", ASCENDING)], name="export_jobs_status_heartbeat"),
            IndexModel([("expires_at", ASCENDING)], name="export_jobs_expires_at"),
            IndexModel(
                [("owner_id", ASCENDING), ("active_slot", ASCENDING)],
                name="export_jobs_active_slot_unique",
                unique=True,
                partialFilterExpression={"active_slot": {"$gte": 0}},
            ),
        ]
