"""Cache warming with a real worker: ``catalog.warm_cache`` fills the hot listing pages under the
keys the API reads, the API then serves them from Redis, and a catalog or rating change makes the
next run refill them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from app.kernel import runtime
from app.kernel.cache import PREFIX
from app.kernel.pagination import PageParams
from modules.catalog import MovieListFilters, set_rating_aggregate
from modules.catalog.services import GenreService, movie_cache
from modules.catalog.services._listing import page_cache_key
from modules.catalog.services._warming import RUNNING_KEY, WARM_TASK, WarmReport
from tests.integration.accounts import Account
from tests.integration.ops.test_metrics import cache_counts, create_movie
from tests.support import WorkerProcess

pytestmark = pytest.mark.worker

TASK_TIMEOUT = 120


async def warm(force: bool = False) -> WarmReport:
    """Run ``catalog.warm_cache`` on the session worker and wait for its report."""
    from modules.catalog.tasks import warm_cache

    assert warm_cache.name == WARM_TASK
    report = await asyncio.to_thread(warm_cache.delay(force).get, timeout=TASK_TIMEOUT)
    return WarmReport(**report)


async def cached_page(query: dict[str, Any]) -> dict[str, Any] | None:
    """The page stored in Redis for ``GET /v1/movies?<query>`` (page 1), read straight from Redis
    by its full key, so the API's counters do not see this lookup."""
    filters = MovieListFilters.parse(query)
    key = page_cache_key(filters, PageParams())
    assert key is not None
    stamp, _ = await movie_cache().get_page(key)
    redis = runtime.current().redis
    generation = str(await redis.get(f"{PREFIX}:movie-list:gen") or "0")
    raw = await redis.get(f"{PREFIX}:movie-list:{generation}:{key}:{stamp}")
    return None if raw is None else dict(json.loads(raw))


async def test_warmed_pages_exist_and_the_api_serves_them_from_the_cache(
    api: httpx.AsyncClient, worker: WorkerProcess, admin: Account, member: Account
) -> None:
    drama, comedy = await GenreService().create("Drama"), await GenreService().create("Comedy")
    await create_movie(api, admin, "Heat", str(drama.id), year=1995)
    await create_movie(api, admin, "Airplane!", str(comedy.id), year=1980)
    hot_queries: list[dict[str, Any]] = [{}, {"genre": str(drama.id)}, {"genre": str(comedy.id)}, {"sort": "-rating"}]
    for query in hot_queries:
        assert await cached_page(query) is None, query

    report = await warm()
    assert (report.pages, report.skipped, report.reason) == (len(hot_queries), False, "warmed")

    for query in hot_queries:
        page = await cached_page(query)
        assert page is not None, f"no warmed page for {query}"
        hits, misses = await cache_counts(api, "movie-list")
        response = await api.get("/v1/movies", params=query, headers=member.headers)
        assert response.status_code == 200, response.text
        assert response.json() == page, query
        assert await cache_counts(api, "movie-list") == (hits + 1, misses), f"{query} was not a cache hit"
    drama_page = await cached_page({"genre": str(drama.id)})
    assert drama_page is not None
    assert [movie["title"] for movie in drama_page["data"]] == ["Heat"]


async def test_a_run_is_skipped_while_fresh_and_forced_runs_refill(
    api: httpx.AsyncClient, worker: WorkerProcess
) -> None:
    await GenreService().create("Drama")
    first = await warm()
    assert (first.pages, first.skipped) == (3, False)
    again = await warm()
    assert (again.pages, again.skipped, again.reason, again.stamp) == (0, True, "fresh", first.stamp)
    forced = await warm(force=True)
    assert (forced.pages, forced.skipped) == (3, False)


async def test_a_run_is_skipped_while_another_runs(api: httpx.AsyncClient, worker: WorkerProcess) -> None:
    redis = runtime.current().redis
    await redis.set(RUNNING_KEY, "another run", ex=60)
    busy = await warm(force=True)
    assert (busy.pages, busy.skipped, busy.reason) == (0, True, "running")
    assert await cached_page({}) is None
    await redis.delete(RUNNING_KEY)
    done = await warm()
    assert (done.pages, done.skipped) == (2, False)
    assert await cached_page({}) is not None
    assert await redis.exists(RUNNING_KEY) == 0, "a run releases its flag"


async def test_a_movie_write_makes_the_next_run_refill_the_pages(
    api: httpx.AsyncClient, worker: WorkerProcess, admin: Account, member: Account
) -> None:
    drama = await GenreService().create("Drama")
    await create_movie(api, admin, "Heat", str(drama.id), year=1995)
    before = await warm()
    assert not before.skipped

    await create_movie(api, admin, "Collateral", str(drama.id), year=2004)
    assert await cached_page({}) is None, "the write made the warmed pages unreachable"
    after = await warm()
    assert not after.skipped
    assert after.stamp != before.stamp
    for query in ({}, {"genre": str(drama.id)}):
        page = await cached_page(query)
        assert page is not None
        assert [movie["title"] for movie in page["data"]] == ["Collateral", "Heat"]

    hits, misses = await cache_counts(api, "movie-list")
    response = await api.get("/v1/movies", headers=member.headers)
    assert [movie["title"] for movie in response.json()["data"]] == ["Collateral", "Heat"]
    assert await cache_counts(api, "movie-list") == (hits + 1, misses)


async def test_a_rating_change_makes_the_next_run_refill_the_top_rated_page(
    api: httpx.AsyncClient, worker: WorkerProcess, admin: Account
) -> None:
    drama = await GenreService().create("Drama")
    heat = await create_movie(api, admin, "Heat", str(drama.id), year=1995)
    alien = await create_movie(api, admin, "Alien", str(drama.id), year=1979)
    await set_rating_aggregate(heat, 8.0, 1, {"8": 1})
    await warm()
    page = await cached_page({"sort": "-rating"})
    assert page is not None
    assert [movie["title"] for movie in page["data"]] == ["Heat", "Alien"]

    # what the ratings worker does after a new rating: the aggregate changes, the stamp with it
    await set_rating_aggregate(alien, 9.0, 1, {"9": 1})
    assert not (await warm()).skipped
    page = await cached_page({"sort": "-rating"})
    assert page is not None
    assert [(movie["title"], movie["rating"]["average"]) for movie in page["data"]] == [("Alien", 9.0), ("Heat", 8.0)]
