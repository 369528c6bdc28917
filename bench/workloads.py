"""The two workloads that need a real Celery worker: rating aggregate freshness and CSV exports."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from datetime import datetime
from typing import Any

import httpx
from bson import ObjectId
from pymongo import MongoClient

from bench.lean_http import LeanClient, LeanHttpError
from bench.loadgen import percentile, summarise
from bench.stack import CORES, Process, Stack, proc_status_kib

FRESH_PASSWORD = "fresh-rater-password-2026"


async def login(client: httpx.AsyncClient, username: str, password: str) -> str:
    response = await client.post("/v1/auth/login", json={"login": username, "password": password})
    response.raise_for_status()
    return str(response.json()["access_token"])


async def register_raters(client: httpx.AsyncClient, count: int, prefix: str) -> list[str]:
    """``count`` new accounts that have rated nothing yet: every PUT of theirs adds one rating."""
    tokens = []
    for index in range(count):
        username = f"{prefix}{index:03d}"
        response = await client.post("/v1/auth/register", json={"username": username, "password": FRESH_PASSWORD})
        if response.status_code != 201:
            raise RuntimeError(f"registering {username}: {response.status_code} {response.text[:300]}")
        tokens.append(await login(client, username, FRESH_PASSWORD))
    return tokens


def rating_counts(stack: Stack, movie_ids: list[str]) -> dict[str, int]:
    client: MongoClient[dict[str, Any]] = MongoClient(stack.mongodb_url, tz_aware=True)
    try:
        raw = client[stack.database].movies.find(
            {"_id": {"$in": [ObjectId(movie_id) for movie_id in movie_ids]}}, {"rating.count": 1}
        )
        return {str(doc["_id"]): int((doc.get("rating") or {}).get("count") or 0) for doc in raw}
    finally:
        client.close()


async def freshness(
    stack: Stack,
    base_url: str,
    movie_ids: list[str],
    *,
    rate: float,
    duration: float,
    sample_every: int,
    poll_interval: float,
    visible_timeout: float,
) -> dict[str, Any]:
    """PUT new ratings at ``rate``/s for ``duration`` s with a real worker recomputing the
    aggregates; for every ``sample_every``-th write, the time from the PUT's answer until
    ``GET /v1/movies/{id}`` shows the movie's ``rating.count`` including it."""
    writes = max(1, int(rate * duration))
    movies = movie_ids[: min(writes, len(movie_ids))]
    raters = math.ceil(writes / len(movies))
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as setup:
        tokens = await register_raters(setup, raters, f"fresh{int(time.time()) % 100000:05d}r")
    base = await asyncio.to_thread(rating_counts, stack, movies)
    # the measured phase: a lean client, so the load generator leaves the cores to the system
    async with LeanClient(base_url, max_connections=128, timeout=60.0) as client:
        reader = {"Authorization": f"Bearer {tokens[0]}"}
        put_latencies: list[float] = []
        last_ack = 0.0
        freshness_s: list[float] = []
        errors: dict[str, int] = {}
        never_visible = 0

        def error(kind: str) -> None:
            errors[kind] = errors.get(kind, 0) + 1

        async def watch(movie_id: str, expected: int, acked: float) -> None:
            nonlocal never_visible
            deadline = acked + visible_timeout
            while time.perf_counter() < deadline:
                await asyncio.sleep(poll_interval)
                try:
                    response = await client.get(f"/v1/movies/{movie_id}", headers=reader)
                except LeanHttpError as exc:
                    error(f"poll_{_kind(exc)}")
                    continue
                if response.status_code != 200:
                    error(f"poll_status_{response.status_code}")
                    continue
                if int(response.json()["rating"]["count"]) >= expected:
                    freshness_s.append(time.perf_counter() - acked)
                    return
            never_visible += 1

        async def write(index: int) -> None:
            nonlocal last_ack
            movie_id = movies[index % len(movies)]
            rater = index // len(movies)
            started = time.perf_counter()
            try:
                response = await client.put(
                    f"/v1/movies/{movie_id}/rating",
                    json={"score": 1 + index % 10},
                    headers={"Authorization": f"Bearer {tokens[rater]}"},
                )
            except LeanHttpError as exc:
                error(f"put_{_kind(exc)}")
                return
            acked = time.perf_counter()
            if response.status_code not in (200, 201):
                error(f"put_status_{response.status_code}")
                return
            put_latencies.append((acked - started) * 1000)
            last_ack = max(last_ack, acked)
            if index % sample_every == 0:
                await watch(movie_id, base[movie_id] + rater + 1, acked)

        started = time.perf_counter()
        tasks = []
        for index in range(writes):
            delay = started + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(write(index)))
        sent_seconds = time.perf_counter() - started
        await asyncio.gather(*tasks)
    ordered = sorted(freshness_s)
    puts = summarise(put_latencies, Counter(), sent_seconds)
    return {
        "writes": writes,
        "target_rate": rate,
        # writes answered per second, from the first request to the last answer
        "achieved_rate": round(len(put_latencies) / (last_ack - started), 2) if last_ack > started else 0.0,
        "sent_seconds": round(sent_seconds, 2),
        "put_p50_ms": puts["p50_ms"],
        "put_p99_ms": puts["p99_ms"],
        "sampled": math.ceil(writes / sample_every),
        "visible": len(ordered),
        "never_visible": never_visible,
        "poll_interval_s": poll_interval,
        "freshness_p50_s": _round(percentile(ordered, 0.50)),
        "freshness_p99_s": _round(percentile(ordered, 0.99)),
        "freshness_max_s": _round(ordered[-1] if ordered else None),
        "errors": sum(errors.values()) + never_visible,
        "error_kinds": errors,
    }


def _kind(exc: LeanHttpError) -> str:
    return type(exc.__cause__).__name__ if exc.__cause__ is not None else "LeanHttpError"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def worker_children(worker: Process) -> list[int]:
    return [proc.pid for proc in worker.tree() if proc.pid != worker.pid]


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def export_once(
    stack: Stack, base_url: str, token: str, filters: dict[str, Any], label: str, timeout: float
) -> dict[str, Any]:
    """One CSV export built by a fresh worker (one prefork child): rows/s and the child's peak RSS."""
    worker = await asyncio.to_thread(stack.start_worker, "export-worker", 1)
    try:
        children = worker_children(worker)
        baseline = {pid: proc_status_kib(pid, "VmRSS") for pid in children}
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as client:
            created = await client.post(
                "/v1/exports", json={"resource": "movies", "format": "csv", "filters": filters}, headers=headers
            )
            if created.status_code != 202:
                raise RuntimeError(f"POST /v1/exports: {created.status_code} {created.text[:300]}")
            export_id = created.json()["id"]
            requested = time.perf_counter()
            deadline = requested + timeout
            job: dict[str, Any] = created.json()
            while time.perf_counter() < deadline:
                await asyncio.sleep(0.5)
                polled = await client.get(f"/v1/exports/{export_id}", headers=headers)
                if polled.status_code == 200:
                    job = polled.json()
                    if job["status"] in ("succeeded", "failed"):
                        break
            end_to_end = time.perf_counter() - requested
        children = worker_children(worker) or children
        peaks = {pid: proc_status_kib(pid, "VmHWM") for pid in children}
    finally:
        await asyncio.to_thread(worker.stop)
    rows = int(job.get("row_count") or 0)
    built = None
    if job.get("started_at") and job.get("finished_at"):
        built = (_parse_time(job["finished_at"]) - _parse_time(job["started_at"])).total_seconds()
    peak_kib = max((value for value in peaks.values() if value is not None), default=None)
    base_kib = max((value for value in baseline.values() if value is not None), default=None)
    return {
        "label": label,
        "filters": filters,
        "status": job.get("status"),
        "error": job.get("error"),
        "rows": rows,
        "size_bytes": job.get("size_bytes"),
        "build_seconds": None if built is None else round(built, 3),
        "end_to_end_seconds": round(end_to_end, 3),
        "rows_per_second": round(rows / built, 1) if built else None,
        "worker_children": len(children),
        "child_idle_rss_mb": None if base_kib is None else round(base_kib / 1024, 1),
        "child_peak_rss_mb": None if peak_kib is None else round(peak_kib / 1024, 1),
        "errors": 0 if job.get("status") == "succeeded" else 1,
    }


def freshness_worker(stack: Stack) -> Process:
    return stack.start_worker("rating-worker", CORES)
