"""The exports module's domain errors, one per contract error code."""

from __future__ import annotations

from app.kernel.errors import AppError, Conflict, NotFound, RateLimited, ServiceUnavailable


class ExportNotFound(NotFound):
    code = "EXPORT_NOT_FOUND"
    default_message = "The export was not found."


class ExportNotReady(Conflict):
    code = "EXPORT_NOT_READY"
    default_message = "The export has not succeeded (yet); poll it until its status is succeeded."


class ExportExpired(AppError):
    status_code = 410
    code = "EXPORT_EXPIRED"
    default_message = "The export has expired and its file was deleted; create a new export."


class TooManyExports(RateLimited):
    """The per-user cap of pending + running exports (the contract's 429 RATE_LIMITED)."""

    default_message = "Too many exports in progress; wait for one to finish."


class ExportQueueUnavailable(ServiceUnavailable):
    default_message = "The export queue is unavailable; the export was not started. Try again shortly."


class ExportStorageUnavailable(ServiceUnavailable):
    default_message = "The export file storage is unavailable; try again shortly."
