"""Listeners: our own ``rating.changed`` (schedule recomputes) and the catalog's ``movie.deleted``.

Both only queue the slow work (a movie deletion also removes its ratings): the subjects go into Redis
sets and one drain task per kind recomputes them in batches. A broker or Redis outage never
fails the rating write: the durable recompute marks stay pending for the sweep and reconcile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from redis.exceptions import RedisError

from modules.ratings.deps import build_rating_service, build_recompute_queue
from modules.ratings.dispatch import enqueue_task
from modules.ratings.services import DRAIN_TASK, MOVIE, USER, Kind, RecomputeMarks

log = structlog.get_logger("marquee.ratings.events")

# How long a drain waits before it starts, gathering the changes made meanwhile into its batches.
# Movie aggregates have a freshness goal (visible within 2 s): at once. A user's statistics
# are recomputed from all the user's ratings, so an active rater would otherwise cost one
# aggregation over them per drain: they are gathered for a few seconds.
DRAIN_DELAY_SECONDS: dict[Kind, float | None] = {MOVIE: None, USER: 3.0}


async def _schedule(subjects: Mapping[Kind, Sequence[str]]) -> None:
    """Queue the subjects in Redis and enqueue a drain of each kind that has none queued yet."""
    queue = build_recompute_queue()
    try:
        kinds = await queue.add(subjects)
    except RedisError as exc:
        log.warning("recompute_not_queued", kinds=sorted(subjects), error=type(exc).__name__)
        return
    for kind in kinds:
        if not await enqueue_task(DRAIN_TASK, [kind], DRAIN_DELAY_SECONDS[kind]):
            await queue.release(kind)


async def on_rating_changed(payload: dict[str, Any]) -> None:
    """The change is durable already (a token on the rating, or a mark for a delete)."""
    await _schedule({MOVIE: [str(payload["movie_id"])], USER: [str(payload["user_id"])]})


async def on_movie_deleted(payload: dict[str, Any]) -> None:
    """A deleted movie leaves every rating at once; its raters' statistics follow in the worker."""
    movie_id = str(payload["movie_id"])
    user_ids = await build_rating_service().remove_movie_ratings(movie_id)
    marks = RecomputeMarks()
    await marks.forget(MOVIE, movie_id)
    if not user_ids:
        return
    await marks.mark((USER, user_id) for user_id in user_ids)
    await _schedule({USER: user_ids})
