"""Recomputing movie aggregates and user statistics from the ratings collection.

Every recompute reads the ratings (the source of truth) with one aggregation and writes the
result through the catalog's / identity's public interface, so it is idempotent and safe to
run twice or out of order. What needs recomputing is durable: a token on the changed rating
(``_pending``) or, for a change that left no rating (a delete), a ``RecomputeMark``. Each
recompute verifies what it wrote with a second aggregation, which catches the one dangerous
interleaving (an older computation written after a newer one), and settles only the tokens and
marks it read before computing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.kernel.documents import chunks
from modules.catalog import (
    get_movie_summaries,
    iter_rated_movie_ids,
    iter_stale_unrated_movie_ids,
    set_rating_aggregates,
)
from modules.identity import iter_rated_user_ids, iter_stale_unrated_user_ids, set_user_rating_stats
from modules.ratings.documents import Rating
from modules.ratings.services._aggregate import MovieAggregate, UserStats
from modules.ratings.services._marks import MOVIE, USER, Kind, RecomputeMarks, RecomputeQueue
from modules.ratings.services._pending import PendingRatings

log = structlog.get_logger("marquee.ratings.aggregates")

V = TypeVar("V", MovieAggregate, UserStats)

RECONCILE_LOCK = "marquee:ratings:reconcile"
RECONCILE_LOCK_TTL = 15 * 60
BATCH_SIZE = 200
# subjects a drain takes at once from Redis (one aggregation, one bulk write each)
DRAIN_BATCH_SIZE = 200
# subjects with a pending rating token one sweep recomputes at most (the next sweep goes on)
SWEEP_LIMIT = 20_000
# a pending mark this old, with no change since, lost its task
SWEEP_MIN_AGE = timedelta(seconds=30)
# concurrent "has this movie / user a rating?" lookups of the reconcile's stale-aggregate walks
PROBE_CONCURRENCY = 8
# passes over subjects that changed while they were computed (then a later task or reconcile)
MAX_PASSES = 3


async def _chained(*walks: AsyncIterator[list[str]]) -> AsyncIterator[list[str]]:
    """The batches of each walk, one walk after the other."""
    for walk in walks:
        async for batch in walk:
            yield batch


@dataclass
class ReconcileReport:
    """What a reconcile did: ``movies`` recomputed (every rated movie, plus those reset), of
    which ``movies_reset``: movies without a rating whose stored aggregate still counted ratings
    (or was otherwise not empty), reset to the empty aggregate; ``users`` recomputed (every rater,
    plus those reset), of which ``users_reset``: users without a rating whose stored statistics
    still counted ratings (or were otherwise not zero), reset to zero; orphan ratings removed;
    pending marks and tokens processed; ``skipped`` when another reconcile held the lock."""

    movies: int = 0
    movies_reset: int = 0
    users: int = 0
    users_reset: int = 0
    orphan_ratings_removed: int = 0
    pending_processed: int = 0
    skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "movies": self.movies,
            "movies_reset": self.movies_reset,
            "users": self.users,
            "users_reset": self.users_reset,
            "orphan_ratings_removed": self.orphan_ratings_removed,
            "pending_processed": self.pending_processed,
            "skipped": self.skipped,
        }


class AggregateService:
    def __init__(self, redis: Redis, marks: RecomputeMarks | None = None) -> None:
        self._redis = redis
        self._queue = RecomputeQueue(redis)
        self._marks = marks or RecomputeMarks()
        self._pending = PendingRatings()

    # -- computing from the source of truth ---------------------------------------------------

    @staticmethod
    async def compute_movies(movie_ids: Sequence[str]) -> dict[str, MovieAggregate]:
        """The aggregate of each movie (every id present, zero for a movie without ratings)."""
        counts: dict[str, dict[int, int]] = {movie_id: {} for movie_id in movie_ids}
        for chunk in chunks(list(counts)):
            pipeline: list[dict[str, Any]] = [
                {"$match": {"movie_id": {"$in": list(chunk)}}},
                {"$group": {"_id": {"movie": "$movie_id", "score": "$score"}, "n": {"$sum": 1}}},
            ]
            cursor = await Rating.get_pymongo_collection().aggregate(pipeline)
            async for row in cursor:
                counts[str(row["_id"]["movie"])][int(row["_id"]["score"])] = int(row["n"])
        return {movie_id: MovieAggregate.from_score_counts(scores) for movie_id, scores in counts.items()}

    @staticmethod
    async def compute_users(user_ids: Sequence[str]) -> dict[str, UserStats]:
        stats = {user_id: UserStats() for user_id in user_ids}
        for chunk in chunks(list(stats)):
            pipeline: list[dict[str, Any]] = [
                {"$match": {"user_id": {"$in": list(chunk)}}},
                {"$group": {"_id": "$user_id", "n": {"$sum": 1}, "total": {"$sum": "$score"}}},
            ]
            cursor = await Rating.get_pymongo_collection().aggregate(pipeline)
            async for row in cursor:
                stats[str(row["_id"])] = UserStats.from_totals(int(row["n"]), int(row["total"]))
        return stats

    # -- the tasks' work ----------------------------------------------------------------------

    async def drain(self, kind: Kind) -> int:
        """Recompute the subjects queued in Redis, in batches; returns how many.

        The "drain queued" flag is cleared first, so a change queued from then on enqueues
        another drain: this one stops at the first batch that is not full, leaving what was
        queued meanwhile to that drain (the worker's other process may run it at the same time:
        they take disjoint subjects, and verified writes keep a movie taken by both exact).
        """
        await self._queue.release(kind)
        processed = 0
        while batch := await self._queue.take(kind, DRAIN_BATCH_SIZE):
            try:
                await self._recompute_kind(kind, batch)
            except BaseException:
                await self._queue.put_back(kind, batch)
                raise
            processed += len(batch)
            if len(batch) < DRAIN_BATCH_SIZE:
                break
        return processed

    async def recompute_movies(self, movie_ids: Sequence[str], *, force: bool = False) -> dict[str, MovieAggregate]:
        """Recompute and write the movies' aggregates: per pass one aggregation and one bulk write
        of the aggregates that differ from the stored ones (every one with ``force``)."""

        async def publish(aggregates: dict[str, MovieAggregate], first: bool) -> None:
            await set_rating_aggregates(
                (
                    (movie_id, aggregate.average, aggregate.count, dict(aggregate.distribution))
                    for movie_id, aggregate in aggregates.items()
                ),
                force=force and first,
            )

        return await self._recompute(MOVIE, movie_ids, self.compute_movies, publish)

    async def recompute_users(self, user_ids: Sequence[str]) -> dict[str, UserStats]:
        """Recompute and write the users' public rating statistics (one aggregation per pass)."""

        async def publish(stats: dict[str, UserStats], first: bool) -> None:
            for user_id, user_stats in stats.items():
                await set_user_rating_stats(user_id, user_stats.ratings_count, user_stats.average_score)

        return await self._recompute(USER, user_ids, self.compute_users, publish)

    async def _recompute(
        self,
        kind: Kind,
        subject_ids: Sequence[str],
        compute: Callable[[Sequence[str]], Awaitable[dict[str, V]]],
        publish: Callable[[dict[str, V], bool], Awaitable[None]],
    ) -> dict[str, V]:
        """Compute and write, then settle the rating tokens and marks read *before* computing.

        Two recomputes of one subject may overlap (two drains, a drain and the reconcile), and
        the older result may be written last. Whoever settles a shared token second finds it
        gone and computes again, after the other's write; a delete meanwhile moves the mark's
        ``seq``, which sends the subject round again too. A subject with no token to settle
        has nothing to tell, so its result is verified by a second aggregation instead.
        """
        results: dict[str, V] = {}
        todo = list(dict.fromkeys(subject_ids))
        for attempt in range(MAX_PASSES):
            if not todo:
                break
            seqs = await self._marks.seqs(kind, todo)
            tokens = await self._pending.tokens(kind, todo)
            values = await compute(todo)
            await publish(values, attempt == 0)
            results.update(values)
            unguarded = [subject_id for subject_id in todo if subject_id not in tokens]
            verified = await compute(unguarded) if unguarded else {}
            results.update(verified)
            again = {subject_id for subject_id in unguarded if verified[subject_id] != values[subject_id]}
            settled = [subject_id for subject_id in todo if subject_id not in again]
            held = [token for subject_id in settled for token in tokens.get(subject_id, ())]
            if await self._pending.clear(kind, held) < len(held):
                # another recompute settled some of these meanwhile: its write may be the later one
                again |= {subject_id for subject_id in settled if subject_id in tokens}
            again |= set(await self._marks.settle(kind, seqs, settled))
            todo = [subject_id for subject_id in todo if subject_id in again]
        if todo:
            # their marks stay pending or their change queued them again: a later drain or the sweep
            log.info("recompute_still_changing", kind=kind, subject_ids=todo[:20])
        return results

    async def reconcile(self) -> ReconcileReport:
        """Recompute everything from the ratings: pending marks, every rated movie, every movie
        whose stored aggregate counts ratings it no longer has, every rater, every user whose
        stored statistics count ratings they no longer have.

        Repairs drift after a lost task or a crashed worker (also a movie or user whose last
        rating went without a recompute, or a corrupted aggregate or statistics: reset to the empty
        aggregate, to zero statistics) and removes ratings of movies that no longer exist. Only
        aggregates that differ from the stored ones are written (the catalog compares), so an
        unchanged catalog costs reads only. One reconcile runs at a time (a Redis lock; without
        Redis it runs anyway).
        """
        report = ReconcileReport()
        if not await self._lock():
            report.skipped = True
            return report
        try:
            report.pending_processed += await self._drain_pending(MOVIE)
            affected_users = await self._reconcile_movies(report)
            await self._reset_unrated_movies(report)
            await self._marks.mark((USER, user_id) for user_id in affected_users)
            report.pending_processed += await self._drain_pending(USER)
            async for batch in self._distinct_batches("user_id", "ratings_user_rated_at"):
                await self.recompute_users(batch)
                report.users += len(batch)
            await self._reset_unrated_users(report)
        finally:
            await self._unlock()
        log.info("ratings_reconciled", **report.as_dict())
        return report

    async def sweep_pending(self, older_than: timedelta = SWEEP_MIN_AGE) -> int:
        """Recompute subjects whose mark stayed pending for ``older_than`` without a new change:
        their task was lost (broker down, worker killed, Redis flushed). Quick to run often."""
        marked_before = datetime.now(UTC) - older_than
        processed = await self._drain_pending(MOVIE, marked_before) + await self._drain_pending(USER, marked_before)
        if processed:
            log.info("pending_recomputes_swept", processed=processed)
        return processed

    async def _drain_pending(self, kind: Kind, marked_before: datetime | None = None) -> int:
        """Recompute the subjects with a pending mark, then those with a pending rating token
        (at most ``SWEEP_LIMIT`` of these per run: a subject that keeps changing keeps its token)."""
        processed, after = 0, None
        while batch := await self._marks.pending(kind, after, BATCH_SIZE, marked_before):
            await self._recompute_kind(kind, batch)
            processed += len(batch)
            after = batch[-1]
        subjects = await self._pending.subjects(kind, marked_before, SWEEP_LIMIT)
        for start in range(0, len(subjects), BATCH_SIZE):
            await self._recompute_kind(kind, subjects[start : start + BATCH_SIZE])
        return processed + len(subjects)

    async def _recompute_kind(self, kind: Kind, subject_ids: Sequence[str]) -> None:
        if kind == MOVIE:
            await self.recompute_movies(subject_ids)
        else:
            await self.recompute_users(subject_ids)

    async def _reconcile_movies(self, report: ReconcileReport) -> set[str]:
        """Every movie that has ratings; returns the users of ratings removed as orphans."""
        affected_users: set[str] = set()
        async for batch in self._distinct_batches("movie_id", "ratings_movie_rated_at"):
            summaries = await get_movie_summaries(batch)
            missing = [movie_id for movie_id in batch if movie_id not in summaries]
            if missing:
                affected_users |= await self._remove_orphans(missing, report)
            existing = [movie_id for movie_id in batch if movie_id in summaries]
            if existing:
                await self.recompute_movies(existing)
                report.movies += len(existing)
        return affected_users

    async def _reset_unrated_movies(self, report: ReconcileReport) -> None:
        """The movies whose stored aggregate counts ratings (the catalog's index walk), or whose
        sort key counts none but whose aggregate is not empty (a corrupted document: the catalog's
        partial index walk), but which have no rating: recomputed, which writes the empty
        aggregate. The movies the ratings walk recomputed are only probed (one index lookup each),
        not computed again."""
        async for batch in _chained(iter_rated_movie_ids(BATCH_SIZE), iter_stale_unrated_movie_ids(BATCH_SIZE)):
            unrated = await self._without_ratings("movie_id", batch)
            if not unrated:
                continue
            aggregates = await self.recompute_movies(unrated)
            report.movies += len(unrated)
            reset = [movie_id for movie_id in unrated if aggregates[movie_id].count == 0]
            report.movies_reset += len(reset)
            log.info("unrated_movie_aggregates_reset", movie_ids=reset[:20], reset=len(reset))

    async def _reset_unrated_users(self, report: ReconcileReport) -> None:
        """The users whose stored statistics count ratings, or count none but are not zero (a
        negative count, an average beside a count of 0: a corrupted document), each set walked
        through its partial index in identity, but who have no rating: recomputed, which writes
        zero statistics. The raters recomputed just before are only probed (one index lookup
        each), not computed again."""
        async for batch in _chained(iter_rated_user_ids(BATCH_SIZE), iter_stale_unrated_user_ids(BATCH_SIZE)):
            unrated = await self._without_ratings("user_id", batch)
            if not unrated:
                continue
            stats = await self.recompute_users(unrated)
            report.users += len(unrated)
            reset = [user_id for user_id in unrated if stats[user_id].ratings_count == 0]
            report.users_reset += len(reset)
            log.info("unrated_user_stats_reset", user_ids=reset[:20], reset=len(reset))

    @staticmethod
    async def _without_ratings(key: str, subject_ids: Sequence[str]) -> list[str]:
        """Those of ``subject_ids`` (values of the ratings' ``key``: ``movie_id`` or ``user_id``)
        that have no rating: one indexed lookup of one rating id each, ``PROBE_CONCURRENCY`` at a
        time (a ``$in`` distinct would read every rating of the rated ones on the embedded server,
        which has no distinct scan: 0.32 s against 0.14 s for 200 movies of 10 ratings)."""
        collection = Rating.get_pymongo_collection()
        slots = asyncio.Semaphore(PROBE_CONCURRENCY)

        async def rated(subject_id: str) -> bool:
            async with slots:
                return await collection.find_one({key: subject_id}, {"_id": 1}) is not None

        found = await asyncio.gather(*(rated(subject_id) for subject_id in subject_ids))
        return [subject_id for subject_id, has_ratings in zip(subject_ids, found, strict=True) if not has_ratings]

    async def _remove_orphans(self, movie_ids: list[str], report: ReconcileReport) -> set[str]:
        collection = Rating.get_pymongo_collection()
        users = await collection.distinct("user_id", {"movie_id": {"$in": movie_ids}})
        result = await collection.delete_many({"movie_id": {"$in": movie_ids}})
        report.orphan_ratings_removed += result.deleted_count
        log.info("orphan_ratings_removed", movie_ids=movie_ids[:20], removed=result.deleted_count)
        return {str(user) for user in users}

    @staticmethod
    async def _distinct_batches(key: str, index: str) -> AsyncIterator[list[str]]:
        """The distinct values of ``key`` over all ratings, in order, in batches (index-walked)."""
        cursor = (
            Rating.get_pymongo_collection()
            .find({}, projection={key: 1, "_id": 0})
            .sort([(key, 1)])
            .hint(index)
            .batch_size(1000)
        )
        batch: list[str] = []
        last: str | None = None
        async for doc in cursor:
            value = str(doc[key])
            if value == last:
                continue
            last = value
            batch.append(value)
            if len(batch) >= BATCH_SIZE:
                yield batch
                batch = []
        if batch:
            yield batch

    async def _lock(self) -> bool:
        try:
            return bool(await self._redis.set(RECONCILE_LOCK, "1", nx=True, ex=RECONCILE_LOCK_TTL))
        except RedisError as exc:
            log.warning("reconcile_lock_unavailable", error=type(exc).__name__)
            return True

    async def _unlock(self) -> None:
        try:
            await self._redis.delete(RECONCILE_LOCK)
        except RedisError as exc:
            log.warning("reconcile_unlock_failed", error=type(exc).__name__)
