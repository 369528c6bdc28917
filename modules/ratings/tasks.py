"""The ratings module's Celery tasks: they take ids and call the aggregate service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from pymongo.errors import ConnectionFailure

from app.kernel.tasks import run_async
from modules.ratings.deps import build_aggregate_service
from modules.ratings.services import RECOMPUTE_MOVIE_TASK, RECOMPUTE_USERS_TASK, RECONCILE_TASK, SWEEP_TASK

RETRY_BACKOFF_MAX_SECONDS = 60
MAX_RETRIES = 5


@shared_task(
    name=RECOMPUTE_MOVIE_TASK,
    autoretry_for=(ConnectionFailure,),
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def recompute_movie_aggregate(movie_id: str) -> None:
    """Recompute a movie's rating aggregate from the ratings and write it onto the movie."""
    run_async(build_aggregate_service().recompute_movies([movie_id]))


@shared_task(
    name=RECOMPUTE_USERS_TASK,
    autoretry_for=(ConnectionFailure,),
    retry_backoff=True,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def recompute_user_stats(user_ids: list[str]) -> None:
    """Recompute users' public rating statistics (ratings_count, average_score)."""
    run_async(build_aggregate_service().recompute_users(user_ids))


@shared_task(name=RECONCILE_TASK, autoretry_for=(ConnectionFailure,), retry_backoff=True, max_retries=3)
def reconcile_aggregates() -> dict[str, Any]:
    """Recompute every aggregate and statistic from the ratings, repairing any drift."""
    return run_async(build_aggregate_service().reconcile()).as_dict()


@shared_task(name=SWEEP_TASK, autoretry_for=(ConnectionFailure,), retry_backoff=True, max_retries=3)
def sweep_pending_recomputes(older_than_seconds: float = 30.0) -> int:
    """Recompute movies and users whose recompute task was lost; returns how many."""
    return run_async(build_aggregate_service().sweep_pending(timedelta(seconds=older_than_seconds)))
