"""The exports module's wiring: indexes declared on the document equal the migration's, and the
worker knows the tasks and the beat schedule."""

from __future__ import annotations

import importlib
from typing import Any

from pymongo import IndexModel

from modules.exports.documents import ExportJob
from modules.exports.module import MODULE
from modules.exports.services import BUILD_TASK, EXPIRE_TASK, SWEEP_TASK

exports_migration = importlib.import_module("migrations.versions.0501_exports")


def _documents(indexes: list[IndexModel]) -> list[dict[str, Any]]:
    return [dict(index.document) for index in indexes]


def test_document_indexes_match_the_migration() -> None:
    assert ExportJob.Settings.name == "export_jobs"
    assert _documents(ExportJob.Settings.indexes) == _documents(exports_migration.EXPORT_JOBS_INDEXES)
    assert exports_migration.name == "0501_exports"
    assert exports_migration.dependencies == ["0201_catalog_collections"]


def test_tasks_and_beat_schedule_reach_the_worker() -> None:
    from app.kernel.settings import get_settings
    from workers.celery_app import celery_config, create_celery

    config = celery_config(get_settings())
    assert "modules.exports.tasks" in config["include"]
    schedule = {entry["task"] for entry in config["beat_schedule"].values()}
    assert {SWEEP_TASK, EXPIRE_TASK} <= schedule
    assert MODULE.task_modules == ["modules.exports.tasks"]

    importlib.import_module("modules.exports.tasks")
    celery = create_celery(get_settings())
    assert {BUILD_TASK, SWEEP_TASK, EXPIRE_TASK} <= set(celery.tasks)
