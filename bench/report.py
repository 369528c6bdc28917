"""The report: the machine, every case, and the goals (judged by ``bench.goals``); JSON and rich
tables. ``python -m bench.report RESULT`` prints a result file with its goals judged again."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from bench.goals import Case, cases_of, goals
from bench.load import wrk_version
from bench.stack import CORES, ROOT


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _memory_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return result.stdout.strip() or None


def machine(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores": CORES,
        "memory_mb": _memory_mb(),
        "python": platform.python_version(),
        "load_average_start": [round(value, 2) for value in os.getloadavg()],
        "git_commit": _git("rev-parse", "HEAD"),
        # other work in progress in the tree the run measured (uncommitted paths)
        "git_uncommitted": (_git("status", "--porcelain", "--untracked-files=no") or "").splitlines(),
        "versions": {
            name: _version(name)
            for name in (
                "litestar",
                "granian",
                "uvicorn",
                "pymongo",
                "beanie",
                "SecantusDB",
                "redis",
                "celery",
                "httpx",
            )
        },
        "wrk": wrk_version(),
        "options": options,
    }


# -- output ---------------------------------------------------------------------------------------


def write(report: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    return path


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def print_report(report: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console(width=160)
    cases: list[Case] = report["cases"]
    load_groups = ("bare", "list", "raw", "detail", "saved", "login", "rating")
    table = Table(title="HTTP load (and the raw PyMongo floor)", show_lines=False)
    for column in ("size", "group", "case", "server", "c", "req/s", "p50 ms", "p99 ms", "errors", "idle ms", "tool"):
        table.add_column(column, justify="right" if column in ("size", "c", "req/s", "p50 ms", "p99 ms") else "left")
    for case in cases:
        if case.get("group") not in load_groups:
            continue
        table.add_row(
            f"{case['size']:,}",
            case["group"],
            case["case"],
            case.get("server", "-"),
            str(case["concurrency"]),
            _fmt(case.get("rps")),
            _fmt(case.get("p50_ms")),
            _fmt(case.get("p99_ms")),
            _fmt(case.get("errors")),
            _fmt(case.get("idle_ms")),
            case.get("tool", "-"),
        )
    if table.row_count:
        console.print(table)

    trips = Table(title="MongoDB round trips per request (uncached / cached)")
    for column in ("size", "route", "page size", "uncached", "cached", "redis", "commands (uncached, server ms)"):
        trips.add_column(column)
    for case in cases_of(cases, "roundtrips"):
        timed = zip(case["uncached_commands"], case.get("uncached_command_ms") or [], strict=False)
        trips.add_row(
            f"{case['size']:,}",
            case["route"],
            _fmt(case.get("page_size")),
            str(case["uncached_round_trips"]),
            str(case["cached_round_trips"]),
            str(case.get("uncached_redis_commands")),
            ", ".join(f"{command} {_fmt(ms)}" for command, ms in timed),
        )
    if trips.row_count:
        console.print(trips)

    plans = Table(title="Query plans of the listings' commands (explain)")
    for column in ("size", "listing", "indexes", "plans (find/aggregate)", "COLLSCAN"):
        plans.add_column(column)
    for case in cases_of(cases, "explain"):
        plans.add_row(
            f"{case['size']:,}",
            case["case"],
            ", ".join(case["indexes"]) or "-",
            " | ".join(f"{plan['command']}: {' > '.join(plan['stages'])}" for plan in case["plans"]),
            "[red]yes" if case["collscan"] else "no",
        )
    if plans.row_count:
        console.print(plans)

    other = Table(title="Data, exports and aggregate freshness")
    other.add_column("size")
    other.add_column("case")
    other.add_column("result")
    for case in cases:
        group = case.get("group")
        if group == "generate":
            result = f"{case['documents']:,} documents in {case['seconds']:.1f} s"
        elif group == "export":
            result = (
                f"{case['status']}: {case['rows']:,} rows in {_fmt(case['build_seconds'])} s = "
                f"{_fmt(case['rows_per_second'], 0)} rows/s; worker child peak RSS {_fmt(case['child_peak_rss_mb'])} MB"
                f" (idle {_fmt(case['child_idle_rss_mb'])} MB)"
            )
        elif group == "freshness":
            result = (
                f"{case['achieved_rate']}/{case['target_rate']} writes/s; "
                f"freshness p50 {_fmt(case['freshness_p50_s'], 2)} s, "
                f"p99 {_fmt(case['freshness_p99_s'], 2)} s, max {_fmt(case['freshness_max_s'], 2)} s; "
                f"{case['visible']}/{case['sampled']} sampled writes seen; PUT p50 {_fmt(case['put_p50_ms'])} ms; "
                f"{case.get('queue_after_writes', '-')} tasks queued after the writes, drained in "
                f"{_fmt(case.get('queue_drain_s'))} s"
            )
        else:
            continue
        other.add_row(f"{case['size']:,}", case["case"], result)
    if other.row_count:
        console.print(other)

    judged = Table(title="Goals")
    for column in ("goal", "target", "measured", "met", "detail"):
        judged.add_column(column)
    for name, goal in report["goals"].items():
        details = {k: v for k, v in goal.items() if k not in ("target", "measured", "met") and v not in (None, [], {})}
        judged.add_row(
            name,
            str(goal["target"]),
            _fmt(goal["measured"], 2),
            "[green]met" if goal["met"] else "[red]NOT met",
            json.dumps(details, default=str)[:200],
        )
    console.print(judged)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("result", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--write", is_flag=True, help="Store the re-judged goals back into RESULT.")
def main(result: Path, write: bool) -> None:
    """Print a result file's tables, its goals judged again by the current rules."""
    report = json.loads(result.read_text())
    sizes = sorted({case["size"] for case in report["cases"]})
    report["goals"] = goals(report["cases"], sizes)
    print_report(report)
    if write:
        result.write_text(json.dumps(report, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
