"""The ratings module's Celery tasks: they take ids and call the aggregate service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from pymongo.errors import ConnectionFailure

from app.kernel.tasks import run_async
from modules.ratings.deps import build_aggregate_service
from modules.ratings.services import DRAIN_TASK, MOVIE, RECONCILE_TASK, SWEEP_TASK, USER

RETRY_BACKOFF_MAX_SECONDS = 60
MAX_RETRIES = 5


@shared_task(
    name=DRAIN_TASK,
    autoretry_for=(ConnectionFailure,),
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def drain_recomputes(kind: str) -> int:
    """Recompute the movies (``kind="movie"``) or users (``"user"``) queued in Redis, in batches."""
    if kind not in (MOVIE, USER):
        raise ValueError(f"unknown recompute kind {kind!r}")
    return run_async(build_aggregate_service().drain(MOVIE if kind == MOVIE else USER))


@shared_task(name=RECONCILE_TASK, autoretry_for=(ConnectionFailure,), retry_backoff=True, max_retries=3)
def reconcile_aggregates() -> dict[str, Any]:
    """Recompute every aggregate and statistic from the ratings, repairing any drift: every rated
    movie and rater, every movie whose stored aggregate counts ratings it no longer has (reset to
    the empty aggregate) and every user whose stored statistics count ratings they no longer have
    (reset to zero). Returns the ``ReconcileReport`` as a dict."""
    return run_async(build_aggregate_service().reconcile()).as_dict()


@shared_task(name=SWEEP_TASK, autoretry_for=(ConnectionFailure,), retry_backoff=True, max_retries=3)
def sweep_pending_recomputes(older_than_seconds: float = 30.0) -> int:
    """Recompute movies and users whose recompute task was lost; returns how many."""
    return run_async(build_aggregate_service().sweep_pending(timedelta(seconds=older_than_seconds)))
