"""How the report judges the cached-detail goal against the bare route."""

from __future__ import annotations

from typing import Any

from bench.goals import goal_detail_vs_bare


def _case(group: str, concurrency: int, rps: float, variant: str | None = None) -> dict[str, Any]:
    case: dict[str, Any] = {
        "size": 1000,
        "group": group,
        "server": "granian",
        "concurrency": concurrency,
        "rps": rps,
        "name": f"{group} {variant} c{concurrency}",
    }
    if variant is not None:
        case["variant"] = variant
    return case


def test_the_worst_ratio_judges_and_the_middleware_chain_is_shown_beside_it() -> None:
    cases = [
        _case("bare", 16, 20_000),
        _case("bare", 64, 25_000),
        _case("detail", 16, 12_000, "cached"),
        _case("detail", 64, 10_000, "cached"),  # 40 %: the worst
        _case("detail", 16, 500, "cold"),  # not judged
        _case("detail", 16, 8_000, "chain"),
        _case("detail", 64, 7_500, "chain"),  # 30 %
    ]
    goal = goal_detail_vs_bare(cases)
    assert (goal["measured"], goal["met"], goal["worst_case"]) == ("40%", False, "detail cached c64")
    assert goal["middleware_chain"] == "30%"

    met = goal_detail_vs_bare([_case("bare", 16, 20_000), _case("detail", 16, 10_000, "cached")])
    assert (met["measured"], met["met"]) == ("50%", True)
    assert "middleware_chain" not in met


def test_without_a_bare_case_the_goal_is_not_judged() -> None:
    goal = goal_detail_vs_bare([_case("detail", 16, 10_000, "cached"), _case("detail", 16, 9_000, "chain")])
    assert goal["met"] is False
    assert goal["measured"] is None
