"""Enqueueing the ratings module's Celery tasks by name, off the event loop, never failing the caller.

Publishing is a blocking network call, so it runs in a thread. When the broker is unreachable
the error is logged and ``False`` returned: the rating write stands, its durable recompute mark
stays pending, and the periodic reconcile repairs the aggregate.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio.to_thread
import structlog
from celery import current_app
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

log = structlog.get_logger("marquee.ratings.dispatch")

# A down broker should cost an API request well under a second, not Celery's default retries.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


async def enqueue_task(name: str, args: list[Any], countdown: float | None = None) -> bool:
    """Publish the task (to run ``countdown`` seconds from now when given)."""
    send = partial(
        current_app.send_task, name, args=args, countdown=countdown, retry=True, retry_policy=PUBLISH_RETRY_POLICY
    )
    try:
        await anyio.to_thread.run_sync(send)
    except (OperationalError, RedisError, OSError) as exc:
        log.warning("task_enqueue_failed", task_name=name, error=type(exc).__name__)
        return False
    return True
