"""What every part of a run shares: its options and the record of its cases (``Harness``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console

from bench.load import load_tool

GROUPS = ("bare", "list", "raw", "detail", "saved", "login", "rating", "freshness", "export", "roundtrips", "explain")
T = TypeVar("T")


@dataclass
class Options:
    sizes: list[int]
    duration: float
    concurrency: list[int]
    server: str
    compare_uvicorn: bool
    tool: str
    groups: set[str]
    request_timeout: float
    db_timeout_ms: int
    freshness_rate: float
    freshness_duration: float
    freshness_sample: int
    tokens: int
    settle_timeout: float
    keep_data: bool
    output: Path
    seed: int
    include: Path | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "sizes": self.sizes,
            "duration_s": self.duration,
            "concurrency": self.concurrency,
            "server": self.server,
            "compare_uvicorn": self.compare_uvicorn,
            "load_tool": self.tool,
            "groups": sorted(self.groups),
            "request_timeout_s": self.request_timeout,
            "api_db_timeout_ms": self.db_timeout_ms,
            "freshness_rate": self.freshness_rate,
            "freshness_duration_s": self.freshness_duration,
            "freshness_sample_every": self.freshness_sample,
            "seed": self.seed,
        }


@dataclass
class Harness:
    """The options, the console and the cases recorded so far; the groups of cases
    (``bench.capture``, ``bench.http_cases``, ``bench.worker_cases``) build on it."""

    options: Options
    console: Console = field(default_factory=lambda: Console(width=160))
    cases: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tool = load_tool(self.options.tool)

    def wants(self, group: str) -> bool:
        return group in self.options.groups

    def log(self, message: str) -> None:
        self.console.log(message)

    def record(self, case: dict[str, Any]) -> dict[str, Any]:
        server = f" [{case['server']}]" if case.get("server") else ""
        concurrency = f" c{case['concurrency']}" if case.get("concurrency") is not None else ""
        case["name"] = f"{case['size']} {case['group']}: {case['case']}{concurrency}{server}"
        self.cases.append(case)
        return case

    def guarded(self, size: int, group: str, work: Callable[[], T]) -> T | None:
        """Run one group of cases; a failure is recorded as a failed case and the run goes on."""
        try:
            return work()
        except Exception as exc:  # noqa: BLE001 - the report says what failed; the other groups still run
            self.log(f"[red]{group} failed at {size:,} movies: {type(exc).__name__}: {str(exc)[:500]}")
            self.record(
                {"size": size, "group": "failure", "case": group, "errors": 1, "error": f"{type(exc).__name__}: {exc}"}
            )
            return None
