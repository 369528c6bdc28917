"""The fallback HTTP load generator (when ``wrk`` is not installed), run as its own process:

    python -m bench.loadgen --spec SPEC.json --url http://127.0.0.1:8000 --concurrency 16 --duration 20

``--concurrency`` connections (one asyncio task each, keep-alive) send the spec's requests in
turn for ``--duration`` seconds, each taking the next item of the shared cycle, and print one
JSON line: requests, req/s, latency percentiles (ms) and errors (status >= 400, timeouts,
connection failures). It is much slower than wrk (one Python process, about 1-2k req/s on one
core), so it is the floor of what it can measure: the report names the tool of every case.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import click
import httpx


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def summarise(latencies_ms: list[float], errors: Counter[str], seconds: float) -> dict[str, Any]:
    ordered = sorted(latencies_ms)
    count = len(ordered) + sum(errors.values())
    return {
        "requests": count,
        "seconds": round(seconds, 3),
        "rps": round(len(ordered) / seconds, 2) if seconds > 0 else 0.0,
        "p50_ms": _round(percentile(ordered, 0.50)),
        "p90_ms": _round(percentile(ordered, 0.90)),
        "p99_ms": _round(percentile(ordered, 0.99)),
        "max_ms": _round(ordered[-1] if ordered else None),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def run(spec: dict[str, Any], url: str, concurrency: int, duration: float, timeout: float) -> dict[str, Any]:
    method: str = spec["method"]
    items: list[list[Any]] = spec["items"]
    tokens: list[str] = spec.get("tokens") or []
    static_headers: dict[str, str] = spec.get("headers") or {}
    cycle = itertools.cycle(range(len(items)))
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as client:
        stop_at = time.perf_counter() + duration

        async def connection() -> None:
            while time.perf_counter() < stop_at:
                path, body, token = items[next(cycle)]
                headers = dict(static_headers)
                if token is not None:
                    headers["Authorization"] = f"Bearer {tokens[token]}"
                started = time.perf_counter()
                try:
                    response = await client.request(
                        method, path, headers=headers, content=body.encode() if body is not None else None
                    )
                except httpx.TimeoutException:
                    errors["timeout"] += 1
                    continue
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                if response.status_code >= 400:
                    errors[f"status_{response.status_code}"] += 1
                else:
                    latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(connection() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return summarise(latencies, errors, seconds)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--spec", "spec_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--url", required=True, help="Base URL of the server.")
@click.option("--concurrency", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--duration", type=click.FloatRange(min=0.1), default=20.0, show_default=True, help="Seconds.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Per request.")
def main(spec_path: Path, url: str, concurrency: int, duration: float, timeout: float) -> None:
    """Send the spec's requests for DURATION seconds and print one JSON summary line."""
    spec = json.loads(spec_path.read_text())
    result = asyncio.run(run(spec, url, concurrency, duration, timeout))
    click.echo(json.dumps(result))


if __name__ == "__main__":
    main()
