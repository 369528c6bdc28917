"""Export test fixtures: a small catalog built through the API, and helpers to follow exports."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from app.kernel import runtime
from app.kernel.storage import storage_from_settings
from modules.exports.config import ExportSettings, get_export_settings
from modules.exports.services import ExportBuilder, ExportMaintenance, ExportService
from tests.integration.accounts import Account

WAIT_SECONDS = 90.0


@dataclass
class Catalog:
    """Reference data and movies created through the API (movie ids in creation order)."""

    genres: dict[str, str] = field(default_factory=dict)
    directors: dict[str, str] = field(default_factory=dict)
    actors: dict[str, str] = field(default_factory=dict)
    movies: list[str] = field(default_factory=list)


class EnqueueRecorder:
    """Stands in for the task queue: records what would have been enqueued."""

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    async def __call__(self, name: str, args: tuple[str, ...]) -> bool:
        self.calls.append((name, args))
        return self.accept


async def _post(api: httpx.AsyncClient, account: Account, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post(path, json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def build_catalog(api: httpx.AsyncClient, admin: Account, author: Account, movies: int = 24) -> Catalog:
    """``movies`` movies over a few genres, directors, actors and countries, some with titles
    that are formulas to a spreadsheet or need RFC 4180 quoting."""
    catalog = Catalog()
    for name in ("Drama", "Comedy", "Animation"):
        catalog.genres[name] = (await _post(api, admin, "/v1/genres", {"name": name}))["id"]
    for code in ("US", "BR", "FR"):
        response = await api.post(
            "/v1/countries", json={"code": code, "name": f"Country {code}"}, headers=admin.headers
        )
        assert response.status_code in (201, 409), response.text
    for name in ("Ron Clements", "@Evil Director", "Greta Gerwig"):
        catalog.directors[name] = (await _post(api, author, "/v1/directors", {"name": name}))["id"]
    for name in ("Auli'i Cravalho", "=Danger Actor", "Saoirse Ronan"):
        catalog.actors[name] = (await _post(api, author, "/v1/actors", {"name": name}))["id"]
    special = [
        '=HYPERLINK("http://evil.example","click")',
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "-2+3",
        'Say "Hi", World',
    ]
    genre_ids = list(catalog.genres.values())
    director_ids = list(catalog.directors.values())
    actor_ids = list(catalog.actors.values())
    for index in range(movies):
        title = special[index] if index < len(special) else f"Movie {index:03d}"
        body: dict[str, Any] = {
            "title": title,
            "runtime_minutes": 80 + (index * 7) % 60,
            "genre_ids": [genre_ids[index % 3]] + ([genre_ids[(index + 1) % 3]] if index % 4 == 0 else []),
            "director_id": director_ids[index % 3],
            "cast": [
                {"actor_id": actor_ids[index % 3], "character": "Lead"},
                {"actor_id": actor_ids[(index + 2) % 3], "character": "Second"},
            ],
            "countries": ["US", "BR", "FR"][: 1 + index % 3],
        }
        if index % 5 == 0:
            body["year"] = 1990 + index % 17
        else:
            body["release_date"] = f"{1990 + index % 17}-{1 + index % 12:02d}-{1 + index % 28:02d}"
        catalog.movies.append((await _post(api, author, "/v1/movies", body))["id"])
    return catalog


@pytest.fixture
async def catalog(api: httpx.AsyncClient, admin: Account, member: Account) -> Catalog:
    return await build_catalog(api, admin, member)


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> EnqueueRecorder:
    """The API's exports enqueue nothing (jobs stay pending); the calls are recorded."""
    recorder = EnqueueRecorder()
    monkeypatch.setattr("modules.exports.deps.enqueue_task", recorder)
    return recorder


def builder(ttl_seconds: int | None = None, export_settings: ExportSettings | None = None) -> ExportBuilder:
    settings = runtime.current().settings
    return ExportBuilder(
        export_settings or get_export_settings(),
        storage_from_settings(settings),
        settings.export_ttl_seconds if ttl_seconds is None else ttl_seconds,
    )


def maintenance(enqueue: Any) -> ExportMaintenance:
    return ExportMaintenance(get_export_settings(), storage_from_settings(runtime.current().settings), enqueue)


def service(enqueue: Any) -> ExportService:
    return ExportService(get_export_settings(), storage_from_settings(runtime.current().settings), enqueue)


async def create_export(
    api: httpx.AsyncClient, account: Account, filters: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"resource": "movies", "format": "csv"}
    if filters is not None:
        body["filters"] = filters
    response = await api.post("/v1/exports", json=body, headers=account.headers)
    assert response.status_code == 202, response.text
    export = dict(response.json())
    assert response.headers["location"] == f"/v1/exports/{export['id']}"
    return export


async def wait_for_export(
    api: httpx.AsyncClient, account: Account, export_id: str, statuses: tuple[str, ...] = ("succeeded", "failed")
) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        response = await api.get(f"/v1/exports/{export_id}", headers=account.headers)
        assert response.status_code == 200, response.text
        export = dict(response.json())
        if export["status"] in statuses:
            return export
        assert time.monotonic() < deadline, f"export still {export['status']}: {export}"
        await asyncio.sleep(0.1)


def parse_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


def storage_files(export_id: str) -> list[str]:
    """Every object stored for an export (filesystem backend), temporary files included."""
    root = runtime.current().settings.data_dir / "storage" / "exports" / export_id
    return sorted(path.name for path in _walk(root))


def _walk(root: Any) -> Iterator[Any]:
    if root.exists():
        yield from (path for path in root.rglob("*") if path.is_file())
