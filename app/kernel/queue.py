"""Publishing tasks from the API without waiting on, or subscribing to, their results.

Celery's Redis result backend subscribes the publishing process to every task's result channel
the moment it sends the task (``on_task_call``). An API process never reads those results, so
this only hurts: the subscriptions pile up unread (until Redis drops the client for an
overflowing pub/sub buffer), and while Redis is down the subscription retries for about twenty
seconds and then raises ``RuntimeError``, turning a quick 503 into a hung request and a 500.

``PublisherRedisBackend`` skips that subscription. Results are still stored by the workers and
``AsyncResult.get()`` still works: it subscribes when it is called and reads the stored result
first (Celery's ``on_wait_for_pending``), so nothing published before the call is missed.
"""

from __future__ import annotations

from typing import Any

from celery.backends.redis import RedisBackend


class PublisherRedisBackend(RedisBackend):
    """The Redis result backend minus the subscription made when a task is published."""

    def on_task_call(self, producer: Any, task_id: str) -> None:
        return None


def publisher_backend_url(redis_url: str) -> str:
    """The ``result_backend`` setting that selects ``PublisherRedisBackend`` for ``redis_url``."""
    if not redis_url.startswith(("redis://", "rediss://")):
        return redis_url
    return f"{PublisherRedisBackend.__module__}:{PublisherRedisBackend.__qualname__}+{redis_url}"
