"""The exports module's services: every rule and every database access of the module."""

from modules.exports.services._builder import (
    TRANSIENT_ERRORS,
    Claim,
    ClaimLost,
    ExportBuilder,
    ExportStats,
    peak_rss_bytes,
    write_movies_csv,
)
from modules.exports.services._jobs import CSV_MEDIA_TYPE, ExportDownload, ExportService
from modules.exports.services._maintenance import ExportMaintenance, SweepReport
from modules.exports.services._queue import BUILD_TASK, EXPIRE_TASK, SWEEP_TASK, Enqueue, enqueue_task

__all__ = [
    "BUILD_TASK",
    "CSV_MEDIA_TYPE",
    "EXPIRE_TASK",
    "SWEEP_TASK",
    "TRANSIENT_ERRORS",
    "Claim",
    "ClaimLost",
    "Enqueue",
    "ExportBuilder",
    "ExportDownload",
    "ExportMaintenance",
    "ExportService",
    "ExportStats",
    "SweepReport",
    "enqueue_task",
    "peak_rss_bytes",
    "write_movies_csv",
]
