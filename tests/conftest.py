"""Session fixtures: real embedded servers (or MONGODB_URL/REDIS_URL), migrations, the app.

Every test talks to a real MongoDB-wire server and a real Redis. The servers start once per
session on free ports; each integration test starts from empty collections and an empty Redis.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from app.kernel import runtime
from app.kernel.embedded import start_mongo, start_redis
from app.kernel.settings import Settings, get_settings
from tests.support import Servers, WorkerProcess, asgi_transport, start_worker

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    data_dir = Path(tempfile.mkdtemp(prefix="marquee-test-"))
    mongo = None if os.environ.get("MONGODB_URL") else start_mongo(None)
    redis = None if os.environ.get("REDIS_URL") else start_redis(data_dir / "redis", persist=False)
    mongodb_url = os.environ.get("MONGODB_URL") or (mongo.url if mongo else "")
    redis_url = os.environ.get("REDIS_URL") or (redis.url if redis else "")
    database = f"marquee_test_{secrets.token_hex(4)}"
    os.environ.update(
        {
            "APP_ENV": "test",
            "MONGODB_URL": mongodb_url,
            "MONGODB_DB": database,
            "REDIS_URL": redis_url,
            "MARQUEE_DATA_DIR": str(data_dir),
            "JWT_SECRET": secrets.token_urlsafe(48),
            "MAIL_BACKEND": "file",
            # the suite registers and logs in far more than a person would; the rate-limit
            # tests build their own app with small limits
            "RATE_LIMIT_PER_MINUTE": "1000000",
            "AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
            "LOG_LEVEL": os.environ.get("TEST_LOG_LEVEL", "WARNING"),
        }
    )
    get_settings.cache_clear()
    try:
        yield Servers(mongodb_url, redis_url, mongo, redis, data_dir)
    finally:
        for server in (redis, mongo):
            if server is not None:
                server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(servers: Servers) -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> None:
    from migrations import runner

    assert settings.mongodb_url
    runner.upgrade(settings.mongodb_url, settings.mongodb_db)


@pytest.fixture(scope="session")
def app(settings: Settings, migrated: None) -> Litestar:
    from app.factory import create_app

    return create_app(settings)


@asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling the ASGI app on the test's own event loop, lifespan included.

    The lifespan is entered and left inside one dedicated task (it owns an anyio task group),
    and requests run on the same loop, where the async MongoDB client was opened.
    """
    started, stop = asyncio.Event(), asyncio.Event()
    failure: list[BaseException] = []

    async def run_lifespan() -> None:
        try:
            async with app.lifespan():
                started.set()
                await stop.wait()
        except BaseException as exc:
            failure.append(exc)
            started.set()
            raise

    task = asyncio.create_task(run_lifespan())
    await started.wait()
    if failure:
        raise failure[0]
    transport = asgi_transport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
            yield client
    finally:
        stop.set()
        await task


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app) as http:
        yield http


async def _reset_state() -> None:
    rt = runtime.current()
    for name in await rt.db.list_collection_names():
        if name != "pymongo_migrate" and not name.startswith("system."):
            await rt.db[name].delete_many({})
    await rt.redis.flushdb()


@pytest.fixture
async def api(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The HTTP client on a clean database and Redis."""
    await _reset_state()
    client.headers.pop("Authorization", None)
    return client


@pytest.fixture(scope="session")
def worker(servers: Servers, migrated: None) -> Iterator[WorkerProcess]:
    """One real worker for the whole session (tests that kill workers start their own)."""
    process = start_worker(servers)
    try:
        yield process
    finally:
        process.stop()
