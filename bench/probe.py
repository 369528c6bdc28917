"""Probes that talk to the database or an in-process app, each run as its own process:

    python -m bench.probe capture INPUT.json OUTPUT.json    # the MongoDB commands of each request
    python -m bench.probe rawfloor INPUT.json OUTPUT.json   # those of a listing, replayed raw under load

and ``explain_commands`` (called in the bench process): the plan of each captured command.

Each writes one JSON document to OUTPUT (stdout carries the app's logs). The environment
(``MONGODB_URL``, ``MONGODB_DB``, ``REDIS_URL``, ...) is the stack's, set by the bench.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from bson import SON, json_util
from pymongo import AsyncMongoClient, MongoClient, monitoring

from bench.loadgen import summarise

PAGE_SIZES = (10, 100)


# -- explain -----------------------------------------------------------------------------------

# what command monitoring adds to a command that a replay or an explain must not resend
SESSION_FIELDS = ("lsid", "txnNumber", "$db", "$clusterTime", "$readPreference", "readConcern")


def _stages(plan: Any) -> list[str]:
    found: list[str] = []
    if isinstance(plan, dict):
        if isinstance(plan.get("stage"), str):
            found.append(plan["stage"])
        for value in plan.values():
            found += _stages(value)
    elif isinstance(plan, list):
        for value in plan:
            found += _stages(value)
    return found


def _index_names(plan: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(plan, dict):
        if isinstance(plan.get("indexName"), str):
            names.add(plan["indexName"])
        for value in plan.values():
            names |= _index_names(value)
    elif isinstance(plan, list):
        for value in plan:
            names |= _index_names(value)
    return names


def _winning(explained: dict[str, Any]) -> Any:
    """The winning plan(s): of a find, or of every ``$cursor`` stage of an aggregation."""
    planner = explained.get("queryPlanner")
    if isinstance(planner, dict):
        return planner.get("winningPlan", planner)
    stages = explained.get("stages")
    if isinstance(stages, list):
        return [
            (stage["$cursor"].get("queryPlanner") or {}).get("winningPlan", stage["$cursor"])
            for stage in stages
            if isinstance(stage, dict) and isinstance(stage.get("$cursor"), dict)
        ]
    return explained


def plan_summary(explained: dict[str, Any]) -> dict[str, Any]:
    winning = _winning(explained)
    stages = _stages(winning)
    return {"stages": stages, "indexes": sorted(_index_names(winning)), "collscan": "COLLSCAN" in stages}


def explain_commands(mongodb_url: str, database: str, commands: list[str]) -> list[dict[str, Any]]:
    """The winning plan of each captured ``find``/``aggregate`` (extended JSON, as captured)."""
    client: MongoClient[dict[str, Any]] = MongoClient(mongodb_url, tz_aware=True)
    try:
        db = client[database]
        plans = []
        for raw in commands:
            command = json_util.loads(raw, json_options=json_util.CANONICAL_JSON_OPTIONS)
            name = next(iter(command))
            explained = db.command(SON([("explain", command), ("verbosity", "queryPlanner")]))
            plans.append({"command": name, **plan_summary(dict(explained))})
        return plans
    finally:
        client.close()


# -- database round trips per request -----------------------------------------------------------


class CommandRecorder(monitoring.CommandListener):
    """Every command sent while ``recording``: its name, target, the command itself and how long
    the server took (ms; None until it answered)."""

    def __init__(self) -> None:
        self.recording = False
        self.commands: list[dict[str, Any]] = []
        self._open: dict[int, dict[str, Any]] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.recording:
            target = event.command.get(event.command_name)
            entry = {
                "name": event.command_name,
                "target": target if isinstance(target, str) else None,
                "command": {k: v for k, v in event.command.items() if k not in SESSION_FIELDS},
                "ms": None,
            }
            self.commands.append(entry)
            self._open[event.request_id] = entry

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        entry = self._open.pop(event.request_id, None)
        if entry is not None:
            entry["ms"] = round(event.duration_micros / 1000, 2)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        entry = self._open.pop(event.request_id, None)
        if entry is not None:
            entry["ms"] = round(event.duration_micros / 1000, 2)
            entry["failed"] = True


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The ASGI app with its lifespan running on this loop, and a client calling it in-process."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run_lifespan())
    await started.wait()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
            yield client
    finally:
        stop.set()
        await task


async def capture(spec: dict[str, Any]) -> dict[str, Any]:
    """Each target requested twice on an in-process app, its caches emptied first: the MongoDB
    commands (round trips) and Redis commands of the uncached and of the cached request, and the
    commands on ``movies`` themselves of both (the first to explain, the repeat to replay raw)."""
    recorder = CommandRecorder()
    monitoring.register(recorder)
    from app.factory import create_app
    from app.kernel import runtime

    app = create_app()
    results: list[dict[str, Any]] = []
    async with serving(app) as client:
        redis = runtime.current().redis
        redis_calls: Counter[str] = Counter()
        original: Callable[..., Awaitable[Any]] = redis.execute_command

        async def counting(*args: Any, **options: Any) -> Any:
            if recorder.recording:
                redis_calls[str(args[0])] += 1
            return await original(*args, **options)

        redis.execute_command = counting  # type: ignore[method-assign]
        login = await client.post("/v1/auth/login", json={"login": spec["username"], "password": spec["password"]})
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        await client.get("/v1/users/me", headers=headers)  # the session snapshot is cached from here on

        async def measure(target: dict[str, Any]) -> dict[str, Any]:
            recorder.commands.clear()
            redis_calls.clear()
            recorder.recording = True
            started = time.perf_counter()
            response = await client.request(
                target.get("method", "GET"), target["path"], headers=headers, json=target.get("json")
            )
            elapsed = time.perf_counter() - started
            recorder.recording = False
            commands = list(recorder.commands)
            return {
                "status": response.status_code,
                "mongo_round_trips": len(commands),
                "mongo_commands": [f"{c['name']} {c['target']}" if c["target"] else c["name"] for c in commands],
                "mongo_ms": [c["ms"] for c in commands],
                "movie_commands": [
                    json_util.dumps(c["command"], json_options=json_util.CANONICAL_JSON_OPTIONS)
                    for c in commands
                    if c["target"] == "movies"
                ],
                "redis_commands": sum(redis_calls.values()),
                "ms": round(elapsed * 1000, 2),
            }

        for target in spec["targets"]:
            async for key in redis.scan_iter(match="marquee:cache:*", count=1000):
                await redis.delete(key)
            # the caller's auth state is cached again before the measured request (as between any
            # two requests of a client): its reloads are not the route's round trips (at 100k an
            # uncached page outlasts the cached auth state, which then showed up in the next one)
            await client.get("/v1/users/me", headers=headers)
            uncached = await measure(target)
            if target.get("kind") == "explain":  # only its commands are wanted
                results.append({**target, "uncached": uncached, "cached": None})
                continue
            cached = await measure(target)
            results.append({**target, "uncached": uncached, "cached": cached})
    return {"requests": results}


# -- the raw PyMongo floor of a listing ---------------------------------------------------------


async def _run_command(db: Any, command: dict[str, Any]) -> int:
    """One captured command and, for a cursor, its getMores; returns the documents read."""
    reply = await db.command(SON(command))
    cursor = reply.get("cursor")
    if not isinstance(cursor, dict):
        return 1
    documents = len(cursor.get("firstBatch", []))
    collection = command[next(iter(command))]
    while cursor.get("id"):
        reply = await db.command(SON([("getMore", cursor["id"]), ("collection", collection)]))
        cursor = reply["cursor"]
        documents += len(cursor.get("nextBatch", []))
    return documents


async def rawfloor(spec: dict[str, Any]) -> dict[str, Any]:
    """The app's own commands on ``movies`` for one listing page (its page query and its count,
    concurrently, as the app sends them), replayed straight from PyMongo ``concurrency`` at a time
    for ``duration`` seconds: the database's floor for that page."""
    commands = [json_util.loads(raw, json_options=json_util.CANONICAL_JSON_OPTIONS) for raw in spec["commands"]]
    concurrency, duration = int(spec["concurrency"]), float(spec["duration"])
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        os.environ["MONGODB_URL"], tz_aware=True, timeoutMS=int(spec["timeout_ms"]), maxPoolSize=2 * concurrency + 4
    )
    db = client[os.environ["MONGODB_DB"]]

    async def one() -> None:
        await asyncio.gather(*(_run_command(db, command) for command in commands))

    latencies: list[float] = []
    errors: Counter[str] = Counter()
    pending: set[asyncio.Task[None]] = set()
    idle_ms = None
    try:
        started = time.perf_counter()
        await one()  # warm: connections, server caches; timed alone (the idle latency)
        idle_ms = round((time.perf_counter() - started) * 1000, 2)
        stop_at = time.perf_counter() + duration

        async def worker() -> None:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                try:
                    await one()
                except Exception as exc:  # noqa: BLE001 - every failure is an error of the case
                    errors[type(exc).__name__] += 1
                    continue
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
        # a case lasts ``duration``: operations still running then are abandoned, not waited for
        _, pending = await asyncio.wait(tasks, timeout=duration)
        for task in pending:
            task.cancel()
        seconds = time.perf_counter() - started
    finally:
        await client.close()
    result = summarise(latencies, errors, seconds)
    result["abandoned"] = len(pending)
    result["idle_ms"] = idle_ms
    return result


def main() -> None:
    kind, input_path, output_path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    spec = json.loads(input_path.read_text())
    probes = {"capture": capture, "rawfloor": rawfloor}
    result = asyncio.run(probes[kind](spec))
    output_path.write_text(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
