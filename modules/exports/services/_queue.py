"""Task names and enqueueing them without blocking the event loop or hanging on a dead broker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

import anyio.to_thread
import structlog
from celery import current_app
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

log = structlog.get_logger("marquee.exports.queue")

BUILD_TASK = "exports.build_csv"
EXPIRE_TASK = "exports.expire"
SWEEP_TASK = "exports.sweep"

# A down broker should cost a request well under a second, not Celery's default retries.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

Enqueue = Callable[[str, tuple[str, ...]], Awaitable[bool]]


async def enqueue_task(name: str, args: tuple[str, ...]) -> bool:
    """Publish one task; ``False`` (logged) when the broker cannot be reached."""
    send = partial(current_app.send_task, name, args=list(args), retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    try:
        await anyio.to_thread.run_sync(send)
    except (OperationalError, RedisError, OSError) as exc:
        log.warning("task_enqueue_failed", task_name=name, error=type(exc).__name__)
        return False
    return True
