"""Listeners: our own ``rating.changed`` (schedule recomputes) and the catalog's ``movie.deleted``.

Both only do quick, index-backed writes and enqueue the slow work. A broker or Redis outage
never fails the rating write: the durable recompute marks stay pending for the reconcile task.
"""

from __future__ import annotations

from typing import Any

import structlog
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from modules.ratings.deps import build_enqueued_flags, build_rating_service
from modules.ratings.dispatch import enqueue_task
from modules.ratings.services import (
    MOVIE,
    RECOMPUTE_MOVIE_TASK,
    RECOMPUTE_USERS_TASK,
    USER,
    EnqueuedFlags,
    Kind,
    RecomputeMarks,
)

log = structlog.get_logger("marquee.ratings.events")

USERS_PER_TASK = 500


async def _enqueue_once(flags: EnqueuedFlags, kind: Kind, subject_id: str, task: str, argument: Any) -> None:
    """Enqueue the recompute unless one is already queued for this subject (burst coalescing)."""
    try:
        claimed = await flags.claim(kind, subject_id)
    except RedisError as exc:
        log.warning("recompute_not_enqueued", kind=kind, subject_id=subject_id, error=type(exc).__name__)
        return
    if claimed and not await enqueue_task(task, [argument]):
        await flags.release(kind, [subject_id])


async def on_rating_changed(payload: dict[str, Any]) -> None:
    movie_id, user_id = str(payload["movie_id"]), str(payload["user_id"])
    try:
        await RecomputeMarks().mark([(MOVIE, movie_id), (USER, user_id)])
    except PyMongoError as exc:
        # the reconcile's full pass still recomputes every movie and user that has ratings
        log.warning("recompute_mark_failed", movie_id=movie_id, error=type(exc).__name__)
    flags = build_enqueued_flags()
    await _enqueue_once(flags, MOVIE, movie_id, RECOMPUTE_MOVIE_TASK, movie_id)
    await _enqueue_once(flags, USER, user_id, RECOMPUTE_USERS_TASK, [user_id])


async def on_movie_deleted(payload: dict[str, Any]) -> None:
    """A deleted movie leaves every rating at once; its raters' statistics follow in the worker."""
    movie_id = str(payload["movie_id"])
    user_ids = await build_rating_service().remove_movie_ratings(movie_id)
    marks = RecomputeMarks()
    await marks.forget(MOVIE, movie_id)
    if not user_ids:
        return
    await marks.mark((USER, user_id) for user_id in user_ids)
    for start in range(0, len(user_ids), USERS_PER_TASK):
        await enqueue_task(RECOMPUTE_USERS_TASK, [user_ids[start : start + USERS_PER_TASK]])
