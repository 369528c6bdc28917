"""Worker task counters shared across processes through Redis.

Celery workers run in other processes than the API, so their success/failure/retry counts are
kept in one Redis hash (incremented from Celery signals) and rendered by the API's /metrics.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

TASK_COUNTERS_KEY = "marquee:metrics:tasks"
QUEUE_NAMES = ("celery",)


def counter_field(task_name: str, state: str) -> str:
    return f"{task_name}|{state}"


async def read_task_counters(redis: Redis) -> dict[tuple[str, str], int]:
    try:
        raw = await redis.hgetall(TASK_COUNTERS_KEY)
        depths = {name: int(await redis.llen(name)) for name in QUEUE_NAMES}
    except RedisError:
        return {}
    counters: dict[tuple[str, str], int] = {}
    for field, value in raw.items():
        task, _, state = str(field).partition("|")
        counters[(task, state)] = int(value)
    for name, depth in depths.items():
        counters[(f"queue:{name}", "depth")] = depth
    return counters


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render_task_counters(counters: dict[tuple[str, str], int]) -> str:
    lines = [
        "# HELP marquee_worker_tasks_total Celery task outcomes by task and state",
        "# TYPE marquee_worker_tasks_total counter",
    ]
    queue_lines = [
        "# HELP marquee_queue_depth Messages waiting in a Celery queue",
        "# TYPE marquee_queue_depth gauge",
    ]
    for (task, state), value in sorted(counters.items()):
        if task.startswith("queue:"):
            queue_lines.append(f'marquee_queue_depth{{queue="{_escape(task[6:])}"}} {value}')
        else:
            lines.append(f'marquee_worker_tasks_total{{task="{_escape(task)}",state="{_escape(state)}"}} {value}')
    return "\n".join(lines + queue_lines) + "\n"
