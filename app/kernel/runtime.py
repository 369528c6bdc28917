"""Process-wide clients: the MongoDB client (Beanie 2 on PyMongo's ``AsyncMongoClient``), the
Redis client and the embedded servers this process owns.

Opened once per process and per event loop: in the API lifespan, in the Celery worker's
process-init, or by a CLI command. No work happens at import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from beanie import Document, init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from app.kernel.embedded import EmbeddedStack, ensure_stack
from app.kernel.events import bus
from app.kernel.modules import ModuleSpec
from app.kernel.settings import Settings

log = structlog.get_logger("marquee.runtime")

MONGO_TIMEOUT_MS = 3000
# Also the driver's heartbeat timeout: a server busy answering one long query (the embedded
# SecantusDB answers a 100k-row export's first batch in ~25 s) must not be declared down, which
# would cancel every operation in flight. A stopped server refuses connections at once, so
# failing fast (serverSelectionTimeoutMS) is unaffected.
MONGO_CONNECT_TIMEOUT_MS = 30_000
REDIS_TIMEOUT_SECONDS = 2.0


@dataclass
class Runtime:
    settings: Settings
    stack: EmbeddedStack
    mongo: AsyncMongoClient[dict[str, object]]
    redis: Redis

    @property
    def db(self) -> AsyncDatabase[dict[str, object]]:
        return self.mongo[self.settings.mongodb_db]

    async def close(self) -> None:
        await self.redis.aclose()
        await self.mongo.close()
        self.stack.stop()


_current: Runtime | None = None


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("the runtime is not open in this process")
    return _current


def make_mongo_client(url: str) -> AsyncMongoClient[dict[str, object]]:
    return AsyncMongoClient(
        url,
        tz_aware=True,
        serverSelectionTimeoutMS=MONGO_TIMEOUT_MS,
        connectTimeoutMS=MONGO_CONNECT_TIMEOUT_MS,
        socketTimeoutMS=30_000,
        appname="marquee",
    )


def make_redis_client(url: str) -> Redis:
    return Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        health_check_interval=15,
        retry_on_timeout=False,
    )


def all_documents(modules: Sequence[ModuleSpec]) -> list[type[Document]]:
    return [document for module in modules for document in module.documents]


def register_listeners(modules: Sequence[ModuleSpec]) -> None:
    bus.clear()
    for module in modules:
        for event, listener in module.listeners:
            bus.subscribe(event, listener)


async def open_runtime(settings: Settings, modules: Sequence[ModuleSpec], *, create_indexes: bool = False) -> Runtime:
    """Resolve (or start) the servers, connect, initialise Beanie and the event listeners."""
    global _current
    stack = ensure_stack(settings.mongodb_url, settings.redis_url, settings.data_dir)
    mongo = make_mongo_client(stack.mongodb_url)
    redis = make_redis_client(stack.redis_url)
    try:
        await init_beanie(
            database=mongo[settings.mongodb_db],
            document_models=all_documents(modules),
            skip_indexes=not create_indexes,
        )
    except BaseException:
        await redis.aclose()
        await mongo.close()
        stack.stop()
        raise
    register_listeners(modules)
    _current = Runtime(settings=settings, stack=stack, mongo=mongo, redis=redis)
    log.debug("runtime_opened", mongodb=_redact_url(stack.mongodb_url), redis=_redact_url(stack.redis_url))
    return _current


async def close_runtime() -> None:
    global _current
    if _current is not None:
        runtime, _current = _current, None
        await runtime.close()


def _redact_url(url: str) -> str:
    """Drop credentials from a connection URL before it is logged."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"
