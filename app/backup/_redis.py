"""Dropping Redis's copies of database documents after a restore replaced the database.

The API caches what it read from MongoDB in Redis (movie details, listing pages and totals,
search rankings, keyset windows, authenticated sessions and users), each copy until its TTL
(up to ten minutes). After a restore those copies describe the database as it was before: a
movie absent from the backup would still be served, a total would still count it, and a session
the backup does not hold would still authenticate. Redis's own state stays: the revoked-token
denylist, rate-limit counters, queued tasks and recompute queues.
"""

from __future__ import annotations

from collections.abc import Iterable

import redis

UNLINK_BATCH = 500


def drop_cached_copies(redis_url: str, patterns: Iterable[str]) -> int:
    """Delete every key matching one of the glob ``patterns``; returns how many were deleted.

    SCAN walks the keyspace in steps (Redis keeps serving meanwhile) and UNLINK frees the values
    in the background. A ``redis.RedisError`` propagates: the caller tells the operator."""
    dropped = 0
    with redis.Redis.from_url(redis_url) as client:
        for pattern in patterns:
            batch: list[bytes] = []
            for key in client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) >= UNLINK_BATCH:
                    dropped += int(client.unlink(*batch))
                    batch = []
            if batch:
                dropped += int(client.unlink(*batch))
    return dropped
