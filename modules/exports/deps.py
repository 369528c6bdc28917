"""Dependency providers (and builders, for tasks and the CLI) of the exports services."""

from __future__ import annotations

from app.kernel import runtime
from app.kernel.storage import storage_from_settings
from modules.exports.config import get_export_settings
from modules.exports.services import ExportBuilder, ExportMaintenance, ExportService, enqueue_task


def build_export_service() -> ExportService:
    settings = runtime.current().settings
    return ExportService(get_export_settings(), storage_from_settings(settings), enqueue_task)


def build_export_builder() -> ExportBuilder:
    settings = runtime.current().settings
    return ExportBuilder(get_export_settings(), storage_from_settings(settings), settings.export_ttl_seconds)


def build_export_maintenance() -> ExportMaintenance:
    settings = runtime.current().settings
    return ExportMaintenance(get_export_settings(), storage_from_settings(settings), enqueue_task)


async def provide_export_service() -> ExportService:
    return build_export_service()
