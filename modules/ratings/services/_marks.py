"""Bookkeeping of recomputes: durable marks in MongoDB and short "enqueued" flags in Redis.

The Redis flag coalesces a burst of changes to one task per movie (or user): the first change
sets it (``SET NX`` with a short TTL) and enqueues; later changes see it and skip; the task
clears it *before* it recomputes, so a change made during the recompute enqueues another task.
Losing Redis (restart, FLUSHALL) loses at most flags, which expire anyway.

The MongoDB mark (``RecomputeMark``) is what makes the result exact: see its docstring.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Literal

import structlog
from pymongo import UpdateOne
from redis.asyncio import Redis
from redis.exceptions import RedisError

from modules.ratings.documents import RecomputeMark

log = structlog.get_logger("marquee.ratings.marks")

Kind = Literal["movie", "user"]
MOVIE: Kind = "movie"
USER: Kind = "user"

FLAG_PREFIX = "marquee:ratings:enqueued"
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
        cursor = RecomputeMark.get_pymongo_collection().find(
            {"_id": {"$in": [mark_id(kind, subject_id) for subject_id in subject_ids]}},
            projection={"subject_id": 1, "seq": 1},
        )
        return {str(doc["subject_id"]): int(doc["seq"]) async for doc in cursor}

    async def settle(self, kind: Kind, before: dict[str, int], subject_ids: Sequence[str]) -> list[str]:
        """Clear ``pending`` for subjects whose ``seq`` is still what it was before the recompute.

        Returns the subjects that changed meanwhile (to compute again).
        """
        after = await self.seqs(kind, subject_ids)
        changed = [subject_id for subject_id in subject_ids if after.get(subject_id) != before.get(subject_id)]
        settled = [subject_id for subject_id in subject_ids if subject_id in after and subject_id not in changed]
        if settled:
            await RecomputeMark.get_pymongo_collection().bulk_write(
                [
                    UpdateOne(
                        {"_id": mark_id(kind, subject_id), "seq": after[subject_id]}, {"$set": {"pending": False}}
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


class EnqueuedFlags:
    """Short-lived Redis flags: "a recompute of this subject is already queued"."""

    def __init__(self, redis: Redis, ttl: int = FLAG_TTL_SECONDS) -> None:
        self._redis = redis
        self._ttl = ttl

    @staticmethod
    def _key(kind: Kind, subject_id: str) -> str:
        return f"{FLAG_PREFIX}:{kind}:{subject_id}"

    async def claim(self, kind: Kind, subject_id: str) -> bool:
        """``True`` when no recompute is queued yet (the caller enqueues one)."""
        return bool(await self._redis.set(self._key(kind, subject_id), "1", nx=True, ex=self._ttl))

    async def release(self, kind: Kind, subject_ids: Sequence[str]) -> None:
        """Best effort: a flag that cannot be cleared expires with its TTL."""
        if not subject_ids:
            return
        try:
            await self._redis.delete(*(self._key(kind, subject_id) for subject_id in subject_ids))
        except RedisError as exc:
            log.warning("recompute_flag_release_failed", kind=kind, error=type(exc).__name__)
