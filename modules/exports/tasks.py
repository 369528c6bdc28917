"""The exports module's Celery tasks: build one CSV, expire old files, sweep lost exports.

``exports.build_csv`` retries transient faults (MongoDB, Redis or object storage unreachable)
with exponential backoff; once the retries are used up the export ends ``failed``. Delivery is
at least once (``acks_late`` + ``task_reject_on_worker_lost``); the builder's atomic claim makes
a second delivery a no-op.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from celery import Task, shared_task

from app.kernel.tasks import run_async
from modules.exports.deps import build_export_builder, build_export_maintenance
from modules.exports.services import BUILD_TASK, EXPIRE_TASK, SWEEP_TASK, TRANSIENT_ERRORS

log = structlog.get_logger("marquee.exports.tasks")

MAX_RETRIES = 5
RETRY_BACKOFF_MAX_SECONDS = 300
# an export of a large catalog may outlast the global 10-minute limit
SOFT_TIME_LIMIT_SECONDS = 3600
TIME_LIMIT_SECONDS = 3660


class BuildTask(Task[Any, Any]):
    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """Retries exhausted (or an unexpected escape): record the export as failed."""
        export_id = args[0] if args else kwargs.get("export_id")
        if not isinstance(export_id, str):
            return
        message = f"The export failed after {self.request.retries + 1} attempts ({type(exc).__name__}); try again."
        try:
            run_async(build_export_builder().give_up(export_id, message))
        except TRANSIENT_ERRORS as error:
            log.warning("export_give_up_failed", export_id=export_id, error=type(error).__name__)


@shared_task(
    bind=True,
    base=BuildTask,
    name=BUILD_TASK,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=SOFT_TIME_LIMIT_SECONDS,
    time_limit=TIME_LIMIT_SECONDS,
)
def build_csv(self: Task[Any, Any], export_id: str) -> dict[str, Any]:
    """Build the CSV of one export; returns its ``ExportStats`` (outcome ``succeeded``, ``failed``,
    ``skipped`` when there was nothing to claim, or ``lost`` when another worker took over)."""
    return run_async(build_export_builder().run(export_id)).as_dict()


@shared_task(name=EXPIRE_TASK, ignore_result=True)
def expire() -> int:
    """Delete the files of expired exports; returns how many."""
    return run_async(build_export_maintenance().expire())


@shared_task(name=SWEEP_TASK, ignore_result=True)
def sweep(running_stale_seconds: float | None = None, pending_stale_seconds: float | None = None) -> dict[str, int]:
    """Re-queue exports left pending or running by a dead worker (thresholds from the settings
    unless given)."""
    report = run_async(
        build_export_maintenance().sweep(
            pending_after=None if pending_stale_seconds is None else timedelta(seconds=pending_stale_seconds),
            running_after=None if running_stale_seconds is None else timedelta(seconds=running_stale_seconds),
        )
    )
    return report.as_dict()
