"""The report: the machine, every case, and each goal judged met or not; JSON and rich tables."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from bench.load import wrk_version
from bench.stack import CORES, ROOT

# OWASP Password Storage Cheat Sheet: argon2id, one of these (memory KiB, iterations) at p=1
OWASP_ARGON2ID = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))
Case = dict[str, Any]
# identity re-reads its cache epoch (``auth_cache_sync``) at most once a second per process
AMORTISED_COMMANDS = frozenset({"find auth_cache_sync"})


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


def argon2_parameters(password_hash: str) -> dict[str, Any]:
    match = re.match(r"\$(argon2(?:id|i|d))\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$", password_hash)
    if not match:
        return {"variant": None}
    variant, memory, time_cost, parallelism = match.groups()
    memory_kib, iterations = int(memory), int(time_cost)
    owasp = variant == "argon2id" and any(memory_kib >= m and iterations >= t for m, t in OWASP_ARGON2ID)
    return {"variant": variant, "m_kib": memory_kib, "t": iterations, "p": int(parallelism), "owasp_or_above": owasp}


# -- goals ----------------------------------------------------------------------------------------


def _goal(target: Any, measured: Any, met: bool, **details: Any) -> dict[str, Any]:
    return {"target": target, "measured": measured, "met": bool(met), **details}


def _of(cases: Iterable[Case], group: str) -> list[Case]:
    return [case for case in cases if case.get("group") == group]


def _key(case: Case) -> tuple[Any, ...]:
    return (case["size"], case.get("listing"), case.get("page"), case["concurrency"])


def goal_list_vs_raw(cases: list[Case]) -> dict[str, Any]:
    raw = {_key(case): case for case in _of(cases, "raw")}
    worst: tuple[float, str] | None = None
    missing = []
    pairs = 0
    for case in _of(cases, "list"):
        if case.get("cached_page") or case.get("server") != "granian":
            continue
        floor = raw.get(_key(case))
        if floor is None:
            continue
        pairs += 1
        if not case.get("p50_ms") or not floor.get("p50_ms"):
            missing.append(case["name"])
            continue
        ratio = case["p50_ms"] / floor["p50_ms"]
        if worst is None or ratio > worst[0]:
            worst = (ratio, case["name"])
    if pairs == 0:
        return _goal("<= 1.5x", None, False, note="no uncached list case with its raw floor was run")
    met = worst is not None and worst[0] <= 1.5 and not missing
    return _goal(
        "<= 1.5x",
        None if worst is None else round(worst[0], 2),
        met,
        worst_case=None if worst is None else worst[1],
        pairs=pairs,
        without_completed_requests=missing,
    )


def goal_detail_vs_bare(cases: list[Case]) -> dict[str, Any]:
    bare = {(c["size"], c["concurrency"]): c for c in _of(cases, "bare") if c.get("server") == "granian"}
    worst: tuple[float, str] | None = None
    for case in _of(cases, "detail"):
        if case.get("variant") != "cached" or case.get("server") != "granian":
            continue
        ceiling = bare.get((case["size"], case["concurrency"]))
        if ceiling is None or not ceiling.get("rps"):
            continue
        ratio = case["rps"] / ceiling["rps"]
        if worst is None or ratio < worst[0]:
            worst = (ratio, case["name"])
    if worst is None:
        return _goal(">= 50% of bare", None, False, note="cached detail and bare route were not both run")
    return _goal(">= 50% of bare", f"{worst[0] * 100:.0f}%", worst[0] >= 0.5, worst_case=worst[1])


def round_trips(case: Case) -> int:
    """A request's MongoDB commands, without the amortised ones (at most one a second per process,
    whichever request happens to come first: not a cost of the route)."""
    return sum(1 for command in case["uncached_commands"] if command not in AMORTISED_COMMANDS)


def goal_round_trips(cases: list[Case], kind: str, limit: int) -> dict[str, Any]:
    rows = [case for case in _of(cases, "roundtrips") if case.get("kind") == kind]
    if not rows:
        return _goal(f"<= {limit}", None, False, note="round trips were not probed")
    worst = max(rows, key=round_trips)
    by_route: dict[str, set[int]] = {}
    for case in rows:
        by_route.setdefault(case["route"], set()).add(round_trips(case))
    varying = sorted(route for route, counts in by_route.items() if len(counts) > 1)
    over = sorted({case["route"] for case in rows if round_trips(case) > limit})
    target = f"<= {limit}, constant in page size" if kind == "list" else f"<= {limit}"
    return _goal(
        target,
        round_trips(worst),
        not over and not varying,
        worst_case=worst["name"],
        over_limit=over,
        varying_with_page_size=varying,
    )


def goal_no_collscan(cases: list[Case]) -> dict[str, Any]:
    plans = _of(cases, "explain")
    if not plans:
        return _goal("0 COLLSCAN", None, False, note="plans were not explained")
    scans = sorted({case["name"] for case in plans if case["collscan"]})
    return _goal("0 COLLSCAN", len(scans), not scans, plans=len(plans), collscans=scans)


def goal_scaling(cases: list[Case], sizes: list[int]) -> dict[str, Any]:
    if len(sizes) < 2:
        return _goal("<= 2x", None, False, note="needs two catalog sizes (--sizes 1000,100000)")
    small, large = min(sizes), max(sizes)
    lists = [case for case in _of(cases, "list") if case.get("server") == "granian"]
    by_key = {(c.get("listing"), c.get("page"), c["concurrency"], c["size"]): c for c in lists}
    worst: tuple[float, str] | None = None
    missing = []
    for (listing, page, concurrency, size), case in by_key.items():
        if size != large:
            continue
        base = by_key.get((listing, page, concurrency, small))
        if base is None:
            continue
        if not case.get("p50_ms") or not base.get("p50_ms"):
            missing.append(case["name"])
            continue
        ratio = case["p50_ms"] / base["p50_ms"]
        if worst is None or ratio > worst[0]:
            worst = (ratio, f"{listing} page {page} c{concurrency}")
    met = worst is not None and worst[0] <= 2 and not missing
    return _goal(
        f"p50 at {large} <= 2x p50 at {small}",
        None if worst is None else round(worst[0], 2),
        met,
        worst_case=None if worst is None else worst[1],
        without_completed_requests=missing,
    )


def _largest(cases: list[Case], group: str, **match: Any) -> Case | None:
    rows = [case for case in _of(cases, group) if all(case.get(k) == v for k, v in match.items())]
    return max(rows, key=lambda case: case["size"]) if rows else None


def goal_export_rate(cases: list[Case]) -> dict[str, Any]:
    full = _largest(cases, "export", variant="full")
    if full is None or not full.get("rows_per_second"):
        return _goal(">= 10000 rows/s", None, False, note="no finished full export")
    return _goal(">= 10000 rows/s", full["rows_per_second"], full["rows_per_second"] >= 10_000, rows=full["rows"])


def goal_export_rss(cases: list[Case]) -> dict[str, Any]:
    full = _largest(cases, "export", variant="full")
    part = _largest(cases, "export", variant="partial")
    if not full or not part or full.get("child_peak_rss_mb") is None or part.get("child_peak_rss_mb") is None:
        return _goal("<= 50 MB", None, False, note="both exports are needed")
    growth = round(full["child_peak_rss_mb"] - part["child_peak_rss_mb"], 1)
    return _goal(
        "<= 50 MB",
        f"{growth} MB",
        growth <= 50,
        rows=[part["rows"], full["rows"]],
        peak_rss_mb=[part["child_peak_rss_mb"], full["child_peak_rss_mb"]],
    )


def goal_freshness(cases: list[Case]) -> dict[str, Any]:
    rows = _of(cases, "freshness")
    if not rows:
        return _goal("p99 <= 2 s at 100 writes/s", None, False, note="not run")
    worst = max(rows, key=lambda case: case.get("freshness_p99_s") or float("inf"))
    p99 = worst.get("freshness_p99_s")
    rate_ok = all(case["achieved_rate"] >= 0.95 * case["target_rate"] for case in rows)
    met = p99 is not None and p99 <= 2 and rate_ok and all(case["never_visible"] == 0 for case in rows)
    return _goal(
        "p99 <= 2 s at 100 writes/s",
        None if p99 is None else f"{p99} s",
        met,
        achieved_rates=[case["achieved_rate"] for case in rows],
        never_visible=sum(case["never_visible"] for case in rows),
    )


def goal_errors(cases: list[Case]) -> dict[str, Any]:
    with_errors = [case["name"] for case in cases if case.get("errors")]
    total = sum(int(case.get("errors") or 0) for case in cases)
    return _goal(0, total, total == 0, cases_with_errors=with_errors)


def goal_login(cases: list[Case]) -> dict[str, Any]:
    rows = [case for case in _of(cases, "login") if case.get("server") == "granian"]
    if not rows:
        return _goal(">= 20 req/s per core, argon2id >= OWASP", None, False, note="not run")
    per_size: dict[int, float] = {}
    for case in rows:
        per_size[case["size"]] = max(per_size.get(case["size"], 0.0), case["rps"])
    per_core = min(per_size.values()) / CORES
    argon2 = rows[0].get("argon2") or {}
    met = per_core >= 20 and bool(argon2.get("owasp_or_above"))
    return _goal(
        ">= 20 req/s per core, argon2id >= OWASP", f"{per_core:.1f} req/s per core", met, argon2=argon2, cores=CORES
    )


def goals(cases: list[Case], sizes: list[int]) -> dict[str, dict[str, Any]]:
    return {
        "uncached list p50 vs raw PyMongo": goal_list_vs_raw(cases),
        "cached detail throughput vs bare Litestar": goal_detail_vs_bare(cases),
        "list round trips per request": goal_round_trips(cases, "list", 2),
        "detail round trips per request": goal_round_trips(cases, "detail", 3),
        "no COLLSCAN in list plans": goal_no_collscan(cases),
        "list p50 scaling 1k -> 100k": goal_scaling(cases, sizes),
        "export rows/s": goal_export_rate(cases),
        "export worker RSS growth (10% -> full)": goal_export_rss(cases),
        "rating aggregate freshness": goal_freshness(cases),
        "errors in every case": goal_errors(cases),
        "login throughput": goal_login(cases),
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
    for case in _of(cases, "roundtrips"):
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
    for case in _of(cases, "explain"):
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
