"""The workloads with a real Celery worker (``bench.workloads``) as cases of a run: rating
aggregate freshness under a steady write rate, then the partial and the full CSV export."""

from __future__ import annotations

import asyncio
import time

import redis

from bench.cases import Catalog
from bench.harness import Harness
from bench.stack import ApiServer, Stack, settle, watched
from bench.workloads import export_once, freshness, freshness_worker

CELERY_QUEUE = "celery"  # the default queue's Redis list


def drain_queue(stack: Stack, limit: float = 180.0) -> tuple[int, float | None, int]:
    """Let the worker work off the recompute tasks the writes left queued (``limit`` seconds at
    most), so the exports that follow do not queue behind them; what is left is purged.
    Returns (tasks queued when the writes ended, seconds to drain or None, tasks purged)."""
    client = redis.Redis.from_url(stack.redis_url)
    try:
        backlog = int(client.llen(CELERY_QUEUE))
        started = time.monotonic()
        while client.llen(CELERY_QUEUE) and time.monotonic() - started < limit:
            time.sleep(0.5)
        left = int(client.llen(CELERY_QUEUE))
        if left:
            client.delete(CELERY_QUEUE)
        return backlog, None if left else round(time.monotonic() - started, 1), left
    finally:
        client.close()


class WorkerCases(Harness):
    """Aggregate freshness and the exports, each with its own real worker."""

    def freshness(self, stack: Stack, size: int, api: ApiServer, catalog: Catalog) -> None:
        rate, duration = self.options.freshness_rate, self.options.freshness_duration
        self.log(f"aggregate freshness: {rate:.0f} rating writes/s for {duration:.0f} s with a real worker")
        worker = freshness_worker(stack)
        try:
            result = asyncio.run(
                freshness(
                    stack,
                    api.base_url,
                    catalog.movie_ids[50:-1],  # not the capture's detail movie (rated there)
                    rate=rate,
                    duration=duration,
                    sample_every=self.options.freshness_sample,
                    poll_interval=0.1,
                    visible_timeout=30.0,
                )
            )
            backlog, drain_s, purged = drain_queue(stack)
        finally:
            worker.stop()
        waited = settle(watched(stack, api), timeout=self.options.settle_timeout)
        row = self.record(
            {
                "size": size,
                "group": "freshness",
                "case": f"rating aggregate freshness at {rate:.0f} writes/s",
                **result,
                "queue_after_writes": backlog,
                "queue_drain_s": drain_s,
                "queue_purged": purged,
            }
        )
        row["settle_s"] = round(waited, 1)
        self.log(f"{row['name']}: p50 {row['freshness_p50_s']} s, p99 {row['freshness_p99_s']} s")

    def exports(self, stack: Stack, size: int, api: ApiServer, token: str) -> None:
        for variant, filters, label in (
            ("partial", {"country": "NZ"}, "export of ~10% (country=NZ)"),
            ("full", {}, "export of the whole catalog"),
        ):
            self.log(f"{label}: a fresh worker builds the CSV")
            result = asyncio.run(export_once(stack, api.base_url, token, filters, label, timeout=3600))
            row = self.record({"size": size, "group": "export", "case": label, "variant": variant, **result})
            self.log(
                f"{row['name']}: {row['status']} {row['rows']} rows, {row['rows_per_second']} rows/s, "
                f"peak RSS {row['child_peak_rss_mb']} MB"
            )
