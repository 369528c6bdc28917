"""Bookkeeping of recomputes: durable marks in MongoDB and short "enqueued" flags in Redis.

Redis batches the work: every change adds its movie and user to a set per kind, and the first
change after a drain started sets a "drain queued" flag (``SET NX`` with a short TTL) and
enqueues one drain task; later changes see the flag and only add to the set. The drain clears
the flag *before* it takes subjects, so a change made while it runs enqueues another drain, and
it recomputes what it takes in batches (one aggregation, one bulk write). Losing Redis (restart,
FLUSHALL) loses queued subjects and flags: their durable marks stay pending for the sweep.

The MongoDB mark (``RecomputeMark``) is what makes the result exact: see its docstring.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal

import structlog
from pymongo import UpdateOne
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.kernel.documents import chunks
from modules.ratings.documents import RecomputeMark

log = structlog.get_logger("marquee.ratings.marks")

Kind = Literal["movie", "user"]
MOVIE: Kind = "movie"
USER: Kind = "user"

QUEUE_PREFIX = "marquee:ratings:recompute"
FLAG_TTL_SECONDS = 10


def mark_id(kind: Kind, subject_id: str) -> str:
    return f"{kind}:{subject_id}"


class RecomputeMarks:
    """Durable "must recompute" marks with a sequence number per movie / user."""

    async def mark(self, subjects: Iterable[tuple[Kind, str]]) -> None:
        now = datetime.now(UTC)
        operations = [
            UpdateOne(
                {"_id": mark_id(kind, subject_id)},
                {
                    "$inc": {"seq": 1},
                    "$set": {"pending": True, "marked_at": now},
                    "$setOnInsert": {"kind": kind, "subject_id": subject_id},
                },
                upsert=True,
            )
            for kind, subject_id in dict.fromkeys(subjects)
        ]
        if operations:
            await RecomputeMark.get_pymongo_collection().bulk_write(operations, ordered=False)

    async def seqs(self, kind: Kind, subject_ids: Sequence[str]) -> dict[str, int]:
        """The current ``seq`` of each subject that has a mark (absent: never marked)."""
        return {subject_id: seq for subject_id, (seq, _) in (await self._states(kind, subject_ids)).items()}

    async def _states(self, kind: Kind, subject_ids: Sequence[str]) -> dict[str, tuple[int, bool]]:
        """``(seq, pending)`` of each subject that has a mark, read ``IN_CHUNK`` marks per query."""
        states: dict[str, tuple[int, bool]] = {}
        for chunk in chunks(subject_ids):
            cursor = RecomputeMark.get_pymongo_collection().find(
                {"_id": {"$in": [mark_id(kind, subject_id) for subject_id in chunk]}},
                projection={"subject_id": 1, "seq": 1, "pending": 1},
            )
            states.update({str(doc["subject_id"]): (int(doc["seq"]), bool(doc.get("pending"))) async for doc in cursor})
        return states

    async def settle(self, kind: Kind, before: dict[str, int], subject_ids: Sequence[str]) -> list[str]:
        """Clear ``pending`` for subjects whose ``seq`` is still what it was before the recompute.

        Returns the subjects that changed meanwhile (to compute again). Marks already settled
        are not written again.
        """
        after = await self._states(kind, subject_ids)
        changed = [
            subject_id
            for subject_id in subject_ids
            if (after[subject_id][0] if subject_id in after else None) != before.get(subject_id)
        ]
        settled = [
            subject_id
            for subject_id in subject_ids
            if subject_id in after and after[subject_id][1] and subject_id not in changed
        ]
        if settled:
            await RecomputeMark.get_pymongo_collection().bulk_write(
                [
                    UpdateOne(
                        {"_id": mark_id(kind, subject_id), "seq": after[subject_id][0]}, {"$set": {"pending": False}}
                    )
                    for subject_id in settled
                ],
                ordered=False,
            )
        return changed

    async def pending(
        self, kind: Kind, after: str | None, limit: int, marked_before: datetime | None = None
    ) -> list[str]:
        """Subjects with a pending mark, in id order, after ``after`` (for batches); with
        ``marked_before``, only marks that did not change since then (their task was lost)."""
        query: dict[str, object] = {"kind": kind, "pending": True}
        if marked_before is not None:
            query["marked_at"] = {"$lt": marked_before}
        if after is not None:
            query["subject_id"] = {"$gt": after}
        cursor = (
            RecomputeMark.get_pymongo_collection()
            .find(query, projection={"subject_id": 1})
            .sort("subject_id", 1)
            .limit(limit)
        )
        return [str(doc["subject_id"]) async for doc in cursor]

    async def forget(self, kind: Kind, subject_id: str) -> None:
        await RecomputeMark.get_pymongo_collection().delete_one({"_id": mark_id(kind, subject_id)})


class RecomputeQueue:
    """The Redis side of recomputes: per kind, a set of subjects waiting for the next drain and a
    short "a drain is queued" flag, so a burst of changes costs one task, not one per change."""

    def __init__(self, redis: Redis, ttl: int = FLAG_TTL_SECONDS) -> None:
        self._redis = redis
        self._ttl = ttl

    @staticmethod
    def _pending_key(kind: Kind) -> str:
        return f"{QUEUE_PREFIX}:{kind}:pending"

    @staticmethod
    def _flag_key(kind: Kind) -> str:
        return f"{QUEUE_PREFIX}:{kind}:drain-queued"

    async def add(self, subjects: Mapping[Kind, Sequence[str]]) -> list[Kind]:
        """Queue the subjects (one round trip); returns the kinds with no drain queued yet, for
        which the caller enqueues one (``SET NX`` on the flag, which every drain clears first)."""
        kinds = [kind for kind, subject_ids in subjects.items() if subject_ids]
        if not kinds:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for kind in kinds:
                pipe.sadd(self._pending_key(kind), *subjects[kind])
                pipe.set(self._flag_key(kind), "1", nx=True, ex=self._ttl)
            replies = await pipe.execute()
        return [kind for index, kind in enumerate(kinds) if replies[2 * index + 1]]

    async def release(self, kind: Kind) -> None:
        """Clear the flag (best effort: a flag that cannot be cleared expires with its TTL)."""
        try:
            await self._redis.delete(self._flag_key(kind))
        except RedisError as exc:
            log.warning("recompute_flag_release_failed", kind=kind, error=type(exc).__name__)

    async def take(self, kind: Kind, limit: int) -> list[str]:
        """Remove and return up to ``limit`` queued subjects (none: the queue is empty)."""
        taken = await self._redis.spop(self._pending_key(kind), limit)
        return [str(subject_id) for subject_id in taken or ()]

    async def put_back(self, kind: Kind, subject_ids: Sequence[str]) -> None:
        """Return subjects a failed drain took (best effort: their marks stay pending anyway)."""
        try:
            await self._redis.sadd(self._pending_key(kind), *subject_ids)
        except RedisError as exc:
            log.warning("recompute_put_back_failed", kind=kind, error=type(exc).__name__)
