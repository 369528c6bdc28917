"""Running async services from synchronous Celery tasks: one event loop per worker process.

PyMongo's async client is bound to the loop it was created on, so each worker process opens
its runtime once on its own loop (``worker_process_init``) and every task runs its coroutine on
that loop. The opener is installed by the worker bootstrap (``workers``), keeping the kernel
free of module imports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_opener: Callable[[], Awaitable[None]] | None = None
_closer: Callable[[], Awaitable[None]] | None = None


def install(opener: Callable[[], Awaitable[None]], closer: Callable[[], Awaitable[None]]) -> None:
    global _opener, _closer
    _opener, _closer = opener, closer


def loop() -> asyncio.AbstractEventLoop:
    """This process's task loop, opening the runtime on first use."""
    global _loop
    if _loop is None or _loop.is_closed():
        new_loop = asyncio.new_event_loop()
        asyncio.set_event_loop(new_loop)
        if _opener is not None:
            new_loop.run_until_complete(_opener())
        _loop = new_loop
    return _loop


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return loop().run_until_complete(coro)


def shutdown() -> None:
    global _loop
    if _loop is not None and not _loop.is_closed():
        if _closer is not None:
            _loop.run_until_complete(_closer())
        _loop.close()
    _loop = None
