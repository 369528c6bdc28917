"""Exports built by a real Celery worker: round trip, CSV checked row by row against the movies,
formula injection, a filter + sort combination, expiry, and one job delivered twice."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from modules.exports.services import BUILD_TASK
from tests.integration.accounts import Account
from tests.integration.exports.conftest import (
    Catalog,
    EnqueueRecorder,
    create_export,
    maintenance,
    parse_csv,
    service,
    storage_files,
    wait_for_export,
)
from tests.support import WorkerProcess, error_of

pytestmark = pytest.mark.worker

HEADER = [
    "id",
    "title",
    "year",
    "release_date",
    "runtime_minutes",
    "genres",
    "director",
    "cast",
    "countries",
    "rating_average",
    "rating_count",
    "created_by",
    "created_at",
]


def safe(cell: str) -> str:
    """The contract's neutralisation, written out independently of the implementation."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def expected_row(movie: dict[str, Any]) -> list[str]:
    rating = movie["rating"]
    return [
        movie["id"],
        safe(movie["title"]),
        str(movie["year"]),
        movie["release_date"] or "",
        str(movie["runtime_minutes"]),
        safe("|".join(genre["name"] for genre in movie["genres"])),
        safe(movie["director"]["name"]),
        safe("|".join(member["name"] for member in movie["cast"])),
        safe("|".join(movie["countries"])),
        "" if rating["average"] is None else str(rating["average"]),
        str(rating["count"]),
        safe(movie["created_by"]["username"]),
        movie["created_at"],
    ]


async def movie_details(api: httpx.AsyncClient, account: Account, ids: list[str]) -> dict[str, dict[str, Any]]:
    details = {}
    for movie_id in ids:
        response = await api.get(f"/v1/movies/{movie_id}", headers=account.headers)
        assert response.status_code == 200
        details[movie_id] = response.json()
    return details


async def listed_ids(api: httpx.AsyncClient, account: Account, params: dict[str, Any]) -> list[str]:
    response = await api.get("/v1/movies", params={**params, "page_size": 100}, headers=account.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def download(api: httpx.AsyncClient, account: Account, export: dict[str, Any]) -> httpx.Response:
    response = await api.get(export["download_url"], headers=account.headers)
    assert response.status_code == 200, response.text
    return response


async def test_round_trip_csv_matches_the_movies_row_by_row(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, worker: WorkerProcess
) -> None:
    export = await create_export(api, member, {"sort": "title"})
    done = await wait_for_export(api, member, export["id"])
    assert done["status"] == "succeeded", (done, worker.log()[-3000:])
    assert done["progress"] == 1.0
    assert done["row_count"] == len(catalog.movies)
    assert done["error"] is None
    assert done["download_url"] == f"/v1/exports/{export['id']}/download"
    started, finished = datetime.fromisoformat(done["started_at"]), datetime.fromisoformat(done["finished_at"])
    expires = datetime.fromisoformat(done["expires_at"])
    assert started <= finished
    assert expires - finished == timedelta(seconds=86400)

    response = await download(api, member, done)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="movies-export-{export["id"]}.csv"'
    assert int(response.headers["content-length"]) == done["size_bytes"] == len(response.content)
    assert response.content.endswith(b"\r\n")
    assert b"\n" not in response.content.replace(b"\r\n", b"")

    rows = parse_csv(response.content)
    assert rows[0] == HEADER
    details = await movie_details(api, member, catalog.movies)
    # sort=title: case-insensitive title order, ties by id
    order = sorted(catalog.movies, key=lambda movie_id: (details[movie_id]["title"].casefold(), movie_id))
    assert order == await listed_ids(api, member, {"sort": "title"})
    assert [row[0] for row in rows[1:]] == order
    for row, movie_id in zip(rows[1:], order, strict=True):
        assert row == expected_row(details[movie_id])

    listing = (await api.get("/v1/exports", headers=member.headers)).json()
    assert listing["data"] == [done]
    files = storage_files(export["id"])
    assert len(files) == 1, files
    assert files[0].endswith(".csv")


async def test_formula_injection_cells_are_neutralised(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, worker: WorkerProcess
) -> None:
    export = await create_export(api, member, {"title": "(", "sort": "title"})
    done = await wait_for_export(api, member, export["id"])
    assert done["status"] == "succeeded", done
    body = (await download(api, member, done)).content
    rows = {row[0]: row for row in parse_csv(body)[1:]}
    titles = sorted(row[1] for row in rows.values())
    assert titles == ['\'=HYPERLINK("http://evil.example","click")', "'@SUM(1+1)"]
    everything = (await download(api, member, await _export_all(api, member))).content
    every = parse_csv(everything)[1:]
    by_title = {row[1]: row for row in every}
    assert "'+cmd|' /C calc'!A0" in by_title
    assert "'-2+3" in by_title
    assert 'Say "Hi", World' in by_title
    assert b'"Say ""Hi"", World"' in everything
    for row in every:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), row
    directors = {row[6] for row in every}
    assert "'@Evil Director" in directors
    assert any(row[7].startswith("'=Danger Actor") for row in every)


async def _export_all(api: httpx.AsyncClient, account: Account) -> dict[str, Any]:
    export = await create_export(api, account)
    done = await wait_for_export(api, account, export["id"])
    assert done["status"] == "succeeded", done
    return done


async def test_filters_and_sort_combined(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, worker: WorkerProcess
) -> None:
    drama = catalog.genres["Drama"]
    filters = {"genre": [drama], "country": "BR", "runtime_min": 90, "sort": "-runtime"}
    export = await create_export(api, member, filters)
    done = await wait_for_export(api, member, export["id"])
    assert done["status"] == "succeeded", done
    assert done["filters"] == filters
    rows = parse_csv((await download(api, member, done)).content)[1:]

    details = await movie_details(api, member, catalog.movies)
    matching = [
        movie
        for movie in details.values()
        if drama in {genre["id"] for genre in movie["genres"]}
        and "BR" in movie["countries"]
        and movie["runtime_minutes"] >= 90
    ]
    expected = sorted(matching, key=lambda movie: (movie["runtime_minutes"], movie["id"]), reverse=True)
    assert 0 < len(expected) < len(catalog.movies)
    assert [row[0] for row in rows] == [movie["id"] for movie in expected]
    assert [row[0] for row in rows] == await listed_ids(api, member, filters)
    assert rows == [expected_row(movie) for movie in expected]
    assert done["row_count"] == len(expected)


async def test_empty_result_is_a_header_only_file(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, worker: WorkerProcess
) -> None:
    export = await create_export(api, member, {"year": 2100})
    done = await wait_for_export(api, member, export["id"])
    assert done["status"] == "succeeded", done
    assert done["row_count"] == 0
    assert done["progress"] == 1.0
    assert parse_csv((await download(api, member, done)).content) == [HEADER]


async def test_expired_export_is_410_and_its_file_deleted(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, worker: WorkerProcess
) -> None:
    export = await create_export(api, member, {"year_from": 2000})
    done = await wait_for_export(api, member, export["id"])
    assert done["status"] == "succeeded", done
    assert len(storage_files(export["id"])) == 1

    expired = await maintenance(EnqueueRecorder()).expire(
        now=datetime.fromisoformat(done["expires_at"]) + timedelta(seconds=1)
    )
    assert expired == 1
    assert storage_files(export["id"]) == []
    response = await api.get(f"/v1/exports/{export['id']}/download", headers=member.headers)
    assert response.status_code == 410
    assert error_of(response)["code"] == "EXPORT_EXPIRED"
    after = (await api.get(f"/v1/exports/{export['id']}", headers=member.headers)).json()
    assert after["status"] == "succeeded"
    assert after["download_url"] is None
    assert after["row_count"] == done["row_count"]
    # idempotent
    assert (
        await maintenance(EnqueueRecorder()).expire(now=datetime.fromisoformat(done["expires_at"]) + timedelta(days=1))
        == 0
    )


async def test_one_job_delivered_twice_makes_one_file(
    api: httpx.AsyncClient, member: Account, catalog: Catalog, worker: WorkerProcess
) -> None:
    from modules.exports.tasks import build_csv

    recorder = EnqueueRecorder()
    job = await service(recorder).create(member.id, _filters({"sort": "-year"}))
    assert recorder.calls == [(BUILD_TASK, (str(job.id),))]
    first, second = build_csv.delay(str(job.id)), build_csv.delay(str(job.id))
    results = await asyncio.gather(asyncio.to_thread(first.get, timeout=90), asyncio.to_thread(second.get, timeout=90))
    assert sorted(result["outcome"] for result in results) == ["skipped", "succeeded"]
    succeeded = next(result for result in results if result["outcome"] == "succeeded")
    assert succeeded["row_count"] == len(catalog.movies)
    assert succeeded["peak_rss_bytes"] > 0

    done = await wait_for_export(api, member, str(job.id))
    assert done["status"] == "succeeded"
    assert len(storage_files(str(job.id))) == 1
    assert (await service(recorder).get(member.id, str(job.id))).attempts == 1
    assert len(parse_csv((await download(api, member, done)).content)) == len(catalog.movies) + 1


def _filters(values: dict[str, Any]) -> Any:
    from modules.catalog import MovieListFilters

    return MovieListFilters.model_validate(values)
