"""The storage interface shared by every backend: object keys, payloads, errors, the protocol."""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Protocol, runtime_checkable

CHUNK_SIZE = 64 * 1024
MAX_KEY_LENGTH = 512
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9._-]*"
_KEY = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT})*$")

Payload = bytes | AsyncIterable[bytes] | Iterable[bytes]


class StorageError(Exception):
    """Base of the storage errors (not HTTP errors: callers map them to their domain)."""


class InvalidKey(StorageError, ValueError):
    """The key is not a safe relative path."""


class StorageUnavailable(StorageError):
    """The storage service cannot be reached (connection refused, timed out)."""


class ObjectNotFound(StorageError, KeyError):
    """No object is stored under that key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return f"no object stored under {self.key!r}"


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative object key, else raise ``InvalidKey``."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise InvalidKey(f"invalid object key {key!r}")
    return key


@runtime_checkable
class Storage(Protocol):
    """What every backend offers. All methods are coroutines; none blocks the event loop."""

    backend: str

    async def put(self, key: str, data: Payload, content_type: str = "application/octet-stream") -> int:
        """Store ``data`` (bytes, or a sync/async iterable of byte chunks) under ``key`` atomically,
        replacing any previous object. Returns the number of bytes stored."""
        ...

    async def open(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The object's bytes as a stream of chunks. Raises ``ObjectNotFound`` before streaming."""
        ...

    async def get(self, key: str) -> bytes:
        """The whole object. Raises ``ObjectNotFound``."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def size(self, key: str) -> int:
        """The object's size in bytes. Raises ``ObjectNotFound``."""
        ...

    async def presigned_url(self, key: str, expires: int) -> str | None:
        """A time-limited URL a client can GET the object from directly, or ``None`` when the
        backend cannot hand one out (the filesystem: serve the bytes instead)."""
        ...


async def _chunks(data: Payload) -> AsyncIterator[bytes]:
    """Any payload as an async stream of non-empty byte chunks."""
    if isinstance(data, bytes | bytearray | memoryview):
        if data:
            yield bytes(data)
        return
    if isinstance(data, AsyncIterable):
        async for chunk in data:
            if chunk:
                yield bytes(chunk)
        return
    for chunk in data:
        if chunk:
            yield bytes(chunk)
