"""The goals of a run, each judged met or not from its cases (``goals``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bench.stack import CORES

# OWASP Password Storage Cheat Sheet: argon2id, one of these (memory KiB, iterations) at p=1
OWASP_ARGON2ID = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))
Case = dict[str, Any]
# identity re-reads its cache epoch (``auth_cache_sync``) at most once a second per process
AMORTISED_COMMANDS = frozenset({"find auth_cache_sync"})


def argon2_parameters(password_hash: str) -> dict[str, Any]:
    match = re.match(r"\$(argon2(?:id|i|d))\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$", password_hash)
    if not match:
        return {"variant": None}
    variant, memory, time_cost, parallelism = match.groups()
    memory_kib, iterations = int(memory), int(time_cost)
    owasp = variant == "argon2id" and any(memory_kib >= m and iterations >= t for m, t in OWASP_ARGON2ID)
    return {"variant": variant, "m_kib": memory_kib, "t": iterations, "p": int(parallelism), "owasp_or_above": owasp}


def _goal(target: Any, measured: Any, met: bool, **details: Any) -> dict[str, Any]:
    return {"target": target, "measured": measured, "met": bool(met), **details}


def cases_of(cases: Iterable[Case], group: str) -> list[Case]:
    return [case for case in cases if case.get("group") == group]


def _key(case: Case) -> tuple[Any, ...]:
    return (case["size"], case.get("listing"), case.get("page"), case["concurrency"])


def goal_list_vs_raw(cases: list[Case]) -> dict[str, Any]:
    raw = {_key(case): case for case in cases_of(cases, "raw")}
    worst: tuple[float, str] | None = None
    missing = []
    pairs = 0
    for case in cases_of(cases, "list"):
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
    """Cached detail req/s against the bare route's at the same size and concurrency (the worst
    ratio), with the app's middleware chain alone (``/healthz``) against the same ceiling beside it:
    what no route of the app can exceed."""
    bare = {(c["size"], c["concurrency"]): c for c in cases_of(cases, "bare") if c.get("server") == "granian"}
    worst: dict[str, tuple[float, str]] = {}
    for case in cases_of(cases, "detail"):
        variant = case.get("variant")
        if variant not in ("cached", "chain") or case.get("server") != "granian":
            continue
        ceiling = bare.get((case["size"], case["concurrency"]))
        if ceiling is None or not ceiling.get("rps"):
            continue
        ratio = case["rps"] / ceiling["rps"]
        if variant not in worst or ratio < worst[variant][0]:
            worst[variant] = (ratio, case["name"])
    chain = {} if "chain" not in worst else {"middleware_chain": f"{worst['chain'][0] * 100:.0f}%"}
    if "cached" not in worst:
        return _goal(">= 50% of bare", None, False, note="cached detail and bare route were not both run", **chain)
    ratio, name = worst["cached"]
    return _goal(">= 50% of bare", f"{ratio * 100:.0f}%", ratio >= 0.5, worst_case=name, **chain)


def route_commands(commands: list[str]) -> list[str]:
    """A request's MongoDB commands without the amortised ones (at most one a second per process,
    whichever request happens to come first: not a cost of the route)."""
    return [command for command in commands if command not in AMORTISED_COMMANDS]


def round_trips(case: Case) -> int:
    return len(route_commands(case["uncached_commands"]))


def goal_round_trips(cases: list[Case], kind: str, limit: int) -> dict[str, Any]:
    rows = [case for case in cases_of(cases, "roundtrips") if case.get("kind") == kind]
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
    plans = cases_of(cases, "explain")
    if not plans:
        return _goal("0 COLLSCAN", None, False, note="plans were not explained")
    scans = sorted({case["name"] for case in plans if case["collscan"]})
    return _goal("0 COLLSCAN", len(scans), not scans, plans=len(plans), collscans=scans)


def goal_scaling(cases: list[Case], sizes: list[int]) -> dict[str, Any]:
    if len(sizes) < 2:
        return _goal("<= 2x", None, False, note="needs two catalog sizes (--sizes 1000,100000)")
    small, large = min(sizes), max(sizes)
    lists = [case for case in cases_of(cases, "list") if case.get("server") == "granian"]
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
    rows = [case for case in cases_of(cases, group) if all(case.get(k) == v for k, v in match.items())]
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
    rows = cases_of(cases, "freshness")
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
    rows = [case for case in cases_of(cases, "login") if case.get("server") == "granian"]
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
