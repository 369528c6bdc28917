"""The Celery application: Redis broker and result backend, at-least-once delivery.

``acks_late`` + ``task_reject_on_worker_lost`` return a task to the queue when its worker dies;
prefetch 1 keeps one slow task from holding others; JSON only. The broker URL is the configured
``REDIS_URL`` or the embedded Redis recorded in the data dir (``python -m workers`` starts one).
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from app.composition import installed_modules
from app.kernel.embedded import _read_state
from app.kernel.queue import publisher_backend_url
from app.kernel.settings import Settings, get_settings

TASK_SOFT_TIME_LIMIT = 600
TASK_TIME_LIMIT = 660


def broker_url(settings: Settings) -> str:
    url = settings.redis_url or _read_state(settings.data_dir).get("redis_url")
    return url or "redis://127.0.0.1:6379/0"


def celery_config(settings: Settings) -> dict[str, Any]:
    url = broker_url(settings)
    schedule: dict[str, dict[str, Any]] = {}
    for module in installed_modules():
        schedule.update(module.beat_schedule)
    return {
        "broker_url": url,
        # publishers (API, beat, tasks enqueueing tasks) never subscribe to results they do not read
        "result_backend": publisher_backend_url(url),
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": TASK_SOFT_TIME_LIMIT,
        "task_time_limit": TASK_TIME_LIMIT,
        "result_expires": 3600,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": 900},
        "worker_hijack_root_logger": False,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "enable_utc": True,
        "timezone": "UTC",
        "beat_schedule": schedule,
        "beat_schedule_filename": str(settings.data_dir / "run" / "celerybeat-schedule"),
        "include": ["workers.diagnostics"] + [path for module in installed_modules() for path in module.task_modules],
    }


def create_celery(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    celery = Celery("marquee")
    celery.conf.update(celery_config(settings))
    celery.set_default()
    return celery


celery_app = create_celery()
app = celery_app

from workers import bootstrap as _bootstrap  # noqa: E402,F401 - connects the worker signals
