"""Cached vs cold latency of the warmed reads: ``python -m bench.cache_warming [--movies N]``.

Starts embedded servers in a temporary data directory (nothing else is touched), generates a
synthetic catalog (``bench.generate``), then times ``GET /v1/movies`` in-process, through
``httpx.ASGITransport`` (the whole ASGI stack: authentication, rate limit, cache, MongoDB; no
network), for the pages the warming task keeps hot: the default listing, the first genres and
``sort=-rating``.

- cold: the listing stamp is replaced before each request (what every movie write and every
  changed rating aggregate does), so the page is read from MongoDB, then stored;
- warm: after a warming pass (``CacheWarmer.warm``, the body of ``catalog.warm_cache``), every
  request is a cache hit (checked against ``marquee_cache_requests_total``).

Prints p50/p99 per page and kind, and the duration of a warming pass. Not part of the test suite.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, cast

import click

HIT = {"namespace": "movie-list", "result": "hit"}
MISS = {"namespace": "movie-list", "result": "miss"}


def _configure_environment(data_dir: Path) -> None:
    """Embedded servers in ``data_dir``, no rate limit in the way, quiet logs."""
    for name in ("MONGODB_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "MARQUEE_DATA_DIR": str(data_dir),
            "MONGODB_DB": "marquee_bench_cache",
            "RATE_LIMIT_PER_MINUTE": "100000000",
            "AUTH_RATE_LIMIT_PER_MINUTE": "100000000",
            "LOG_LEVEL": "WARNING",
            # a large catalog's cold runs may outlast the default 15-minute access token
            "ACCESS_TOKEN_TTL_SECONDS": "86400",
        }
    )


def percentile(samples: list[float], pct: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[pct - 1]


def counter(labels: dict[str, str]) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value("marquee_cache_requests_total", labels) or 0.0


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def measure(movies: int, genres: int, cold_runs: int, warm_runs: int) -> list[dict[str, Any]]:
    import httpx

    from app.factory import create_app
    from app.kernel import runtime
    from app.kernel.cache import Cache
    from app.kernel.pagination import PageParams
    from bench.generate import BENCH_PASSWORD, generate
    from modules.catalog.services import GenreService, movie_cache
    from modules.catalog.services._warming import CacheWarmer

    app = create_app()
    async with app.lifespan():
        click.echo(f"generating {movies:,} movies ...")
        await generate(movies)
        click.echo("timing ...")
        transport = httpx.ASGITransport(app=cast(Any, app))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
            login = await client.post("/v1/auth/login", json={"login": "bench000001", "password": BENCH_PASSWORD})
            login.raise_for_status()
            client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            genre_docs, _ = await GenreService().list_page(PageParams(page=1, page_size=genres))
            pages: list[tuple[str, dict[str, str]]] = [
                ("default", {}),
                ("sort=-rating", {"sort": "-rating"}),
                *((f"genre={genre.name}", {"genre": str(genre.id)}) for genre in genre_docs),
            ]
            redis = runtime.current().redis
            cache, listing_stamps = Cache(redis), movie_cache()

            async def get(query: dict[str, str]) -> None:
                response = await client.get("/v1/movies", params=query)
                response.raise_for_status()

            warm_pass = [await timed(lambda: CacheWarmer(cache, redis).warm(force=True)) for _ in range(5)]
            warmed_pages = (await CacheWarmer(cache, redis).warm(force=True)).pages
            rows: list[dict[str, Any]] = []
            for label, query in pages:
                await get(query)  # first request of a page: connections and lazily built state
                cold, misses = [], counter(MISS)
                for _ in range(cold_runs):
                    await listing_stamps.listing_changed()
                    cold.append(await timed(partial(get, query)))
                assert counter(MISS) - misses == cold_runs, "every cold request must miss"
                await CacheWarmer(cache, redis).warm(force=True)
                warm, hits = [], counter(HIT)
                for _ in range(warm_runs):
                    warm.append(await timed(partial(get, query)))
                assert counter(HIT) - hits == warm_runs, "every warm request must hit"
                rows.append({"page": label, "cold": cold, "warm": warm})
                click.echo(f"  {label}: cold p50 {percentile(cold, 50):.1f} ms, warm p50 {percentile(warm, 50):.1f} ms")
            rows.append({"page": f"warming pass ({warmed_pages} pages)", "pass": warm_pass})
    return rows


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--movies", type=click.IntRange(min=100), default=5_000, show_default=True)
@click.option("--genres", type=click.IntRange(min=1, max=20), default=3, show_default=True, help="Genres to time.")
@click.option("--cold-runs", type=click.IntRange(min=10), default=50, show_default=True)
@click.option("--warm-runs", type=click.IntRange(min=10), default=300, show_default=True)
def main(movies: int, genres: int, cold_runs: int, warm_runs: int) -> None:
    """Time GET /v1/movies cold (cache invalidated) vs warm (served by the warmed cache)."""
    with tempfile.TemporaryDirectory(prefix="marquee-bench-cache-") as data_dir:
        _configure_environment(Path(data_dir))
        rows = asyncio.run(measure(movies, genres, cold_runs, warm_runs))
    click.echo(f"\nGET /v1/movies, {movies:,} movies, in-process (ms)")
    click.echo(f"{'page':<28}{'cold p50':>10}{'cold p99':>10}{'warm p50':>10}{'warm p99':>10}{'p50 x':>8}")
    for row in rows:
        if "pass" in row:
            samples = row["pass"]
            click.echo(f"{row['page']:<28} p50 {percentile(samples, 50):.1f} ms, max {max(samples):.1f} ms")
            continue
        cold50, cold99 = percentile(row["cold"], 50), percentile(row["cold"], 99)
        warm50, warm99 = percentile(row["warm"], 50), percentile(row["warm"], 99)
        click.echo(
            f"{row['page']:<28}{cold50:>10.2f}{cold99:>10.2f}{warm50:>10.2f}{warm99:>10.2f}{cold50 / warm50:>8.1f}"
        )


if __name__ == "__main__":
    main()
