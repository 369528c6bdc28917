"""The catalog module's Celery tasks: cache warming (``catalog.warm_cache``, run by beat)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from app.kernel import runtime
from app.kernel.cache import Cache
from app.kernel.tasks import run_async
from modules.catalog.services._warming import WARM_EVERY_SECONDS, WARM_TASK, CacheWarmer

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    WARM_TASK: {
        "task": WARM_TASK,
        "schedule": WARM_EVERY_SECONDS,
        # a run that could not start before the next one is due is dropped, not stacked
        "options": {"expires": WARM_EVERY_SECONDS},
    }
}


@shared_task(name=WARM_TASK)
def warm_cache(force: bool = False) -> dict[str, Any]:
    """Refill the hot movie-listing pages in Redis (skipped while they are fresh, unless ``force``)."""
    redis = runtime.current().redis
    return run_async(CacheWarmer(Cache(redis), redis).warm(force=force)).as_dict()
