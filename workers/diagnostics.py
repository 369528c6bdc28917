"""A trivial real task: proves a worker process reaches Redis (broker) and MongoDB (runtime)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from app.kernel import runtime
from app.kernel.tasks import run_async


async def _database_round_trip(value: str) -> dict[str, Any]:
    rt = runtime.current()
    await rt.db["diagnostics"].insert_one({"value": value})
    found = await rt.db["diagnostics"].find_one({"value": value}, projection={"_id": 0})
    await rt.db["diagnostics"].delete_many({"value": value})
    return {"echo": value, "stored": found}


@shared_task(name="diagnostics.echo")
def echo(value: str) -> dict[str, Any]:
    """Write ``value`` to MongoDB, read it back and return it."""
    return run_async(_database_round_trip(value))
