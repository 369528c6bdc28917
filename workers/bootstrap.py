"""Worker process lifecycle: one event loop and runtime per process, logs, request ids, counters."""

from __future__ import annotations

from typing import Any

import redis
import structlog
from celery import signals

from app.composition import installed_modules
from app.kernel import runtime, tasks
from app.kernel.logging import configure_logging
from app.kernel.settings import get_settings
from app.kernel.task_metrics import TASK_COUNTERS_KEY, counter_field

log = structlog.get_logger("marquee.worker")


async def _open() -> None:
    await runtime.open_runtime(get_settings(), installed_modules())


tasks.install(_open, runtime.close_runtime)


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.effective_log_format)


@signals.worker_process_init.connect
def _process_init(**_: Any) -> None:
    tasks.loop()


@signals.worker_process_shutdown.connect
def _process_shutdown(**_: Any) -> None:
    tasks.shutdown()


@signals.before_task_publish.connect
def _propagate_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if headers is not None and request_id:
        headers["request_id"] = request_id


@signals.task_prerun.connect
def _bind_task_context(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    structlog.contextvars.clear_contextvars()
    request_id = getattr(getattr(task, "request", None), "request_id", None)
    structlog.contextvars.bind_contextvars(task_id=task_id, task=getattr(task, "name", None), request_id=request_id)
    log.info("task_started")


def _count(task: Any, state: str) -> None:
    name = getattr(task, "name", None) or str(task)
    try:
        client = redis.Redis.from_url(task.app.conf.broker_url, socket_timeout=2)
        client.hincrby(TASK_COUNTERS_KEY, counter_field(name, state), 1)
        client.close()
    except redis.RedisError:
        log.warning("task_counter_unavailable", task=name, state=state)


@signals.task_success.connect
def _on_success(sender: Any = None, **_: Any) -> None:
    _count(sender, "success")
    log.info("task_succeeded")


@signals.task_failure.connect
def _on_failure(sender: Any = None, exception: BaseException | None = None, **_: Any) -> None:
    _count(sender, "failure")
    log.error("task_failed", error=type(exception).__name__ if exception else None)


@signals.task_retry.connect
def _on_retry(sender: Any = None, **_: Any) -> None:
    _count(sender, "retry")
    log.warning("task_retried")
