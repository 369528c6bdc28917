"""Every filter, every sort, ``q`` and their combinations are served by an index.

Each case builds the listing's plan with the service's own ``plan_movie_query`` and asks the
server to ``explain`` exactly the aggregations ``MovieListing`` sends for it: the page
(``listing_pipeline``) and its total (``count_pipeline``). The test fails if ``COLLSCAN`` appears
anywhere in a winning plan, or if no index scan does. It runs against whichever server the suite
uses (the embedded one, or MongoDB with ``MONGODB_URL``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from bson import SON

from app.kernel import runtime
from modules.catalog import MovieListFilters, MovieSort
from modules.catalog.services import plan_movie_query
from modules.catalog.services._query import LIST_PROJECTION, MovieQuery, count_pipeline, listing_pipeline
from tests.integration.accounts import Account
from tests.integration.catalog.test_movies_helpers import Catalog, build_catalog


def winning_plans(explain: Any) -> list[Any]:
    """Every ``winningPlan`` of an explain answer (find, aggregate ``$cursor`` stages, shards)."""
    found: list[Any] = []
    if isinstance(explain, dict):
        for key, value in explain.items():
            if key == "winningPlan":
                found.append(value)
            else:
                found.extend(winning_plans(value))
    elif isinstance(explain, list):
        for item in explain:
            found.extend(winning_plans(item))
    return found


def stages(plan: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(plan, dict):
        if "stage" in plan:
            found.append(plan)
        for value in plan.values():
            found.extend(stages(value))
    elif isinstance(plan, list):
        for item in plan:
            found.extend(stages(item))
    return found


def index_scans(explain: Any) -> list[tuple[str, str | None]]:
    """``(stage, index name)`` of every scan stage (IXSCAN, COLLSCAN, ...) in the winning plans."""
    found = [stage for plan in winning_plans(explain) for stage in stages(plan)]
    return [(stage["stage"], stage.get("indexName")) for stage in found if "SCAN" in stage["stage"]]


def commands(query: MovieQuery) -> list[dict[str, Any]]:
    """What ``MovieListing`` sends for the second page and for the total (an unfiltered listing's
    total is the collection's metadata count, which scans nothing)."""
    if query.unfiltered:
        assert query.sort is not None
        return [
            {
                "find": "movies",
                "filter": {},
                "sort": SON(query.sort),
                "projection": LIST_PROJECTION,
                "skip": 20,
                "limit": 20,
            }
        ]
    return [
        {"aggregate": "movies", "pipeline": listing_pipeline(query, LIST_PROJECTION, skip=20, limit=20), "cursor": {}},
        {"aggregate": "movies", "pipeline": count_pipeline(query), "cursor": {}},
    ]


async def assert_index_served(filters: MovieListFilters) -> None:
    query = plan_movie_query(filters)
    for command in commands(query):
        explain = await runtime.current().db.command(SON([("explain", command), ("verbosity", "queryPlanner")]))
        plans = winning_plans(explain)
        assert plans, (filters, explain)
        all_stages = [stage for plan in plans for stage in stages(plan)]
        names = [stage["stage"] for stage in all_stages]
        assert "COLLSCAN" not in names, (filters.model_dump(exclude_defaults=True), explain)
        assert {"IXSCAN", "COUNT_SCAN", "DISTINCT_SCAN"} & set(names), (
            filters.model_dump(exclude_defaults=True),
            explain,
        )


def filter_cases(catalog: Catalog, member: Account) -> list[dict[str, Any]]:
    g, d, a = catalog.refs.genres, catalog.refs.directors, catalog.refs.actors
    return [
        {},
        {"q": "ocean moana"},
        {"q": "the"},
        {"title": "moa"},
        {"genre": [g["Animation"]]},
        {"genre": [g["Animation"], g["Comedy"]]},
        {"year": 2016},
        {"year_from": 2000},
        {"year_to": 2000},
        {"year_from": 1990, "year_to": 2020},
        {"released_from": date(2000, 1, 1)},
        {"released_to": date(2020, 1, 1)},
        {"country": "US"},
        {"director": d["Ron Clements"]},
        {"actor": a["Dwayne Johnson"]},
        {"min_rating": 5.0},
        {"max_rating": 8.0},
        {"runtime_min": 95},
        {"runtime_max": 110},
        {"created_by": member.id},
        # combinations: every selective filter together with the others
        {"genre": [g["Comedy"]], "country": "US", "year_from": 2000, "min_rating": 1.0, "title": "o"},
        {"director": d["Greta Gerwig"], "genre": [g["Drama"]], "country": "US", "runtime_max": 200},
        {"actor": a["Saoirse Ronan"], "released_from": date(2010, 1, 1), "max_rating": 9.0},
        {"created_by": member.id, "genre": [g["Animation"]], "year": 2016},
        {"q": "moana", "genre": [g["Animation"]], "country": "US", "director": d["Ron Clements"]},
    ]


async def test_every_filter_and_sort_is_served_by_an_index(
    api: httpx.AsyncClient, member: Account, other_member: Account, admin: Account
) -> None:
    catalog = await build_catalog(api, member, other_member, admin)
    checked = 0
    for case in filter_cases(catalog, member):
        sorts: list[MovieSort | None] = [None, *MovieSort]
        for sort in sorts:
            await assert_index_served(MovieListFilters.model_validate({**case, "sort": sort}))
            checked += 1
    assert checked == 25 * 13
