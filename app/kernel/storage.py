"""Object storage: one interface, two real backends chosen by ``STORAGE_BACKEND``.

- ``filesystem`` (default): files under ``$MARQUEE_DATA_DIR/storage/<key>``. A write goes to a
  hidden temporary file in the target directory, is flushed and fsynced, then published with
  ``os.replace`` (atomic on POSIX): a reader sees the old object or the new one, never a torn one.
- ``s3``: any S3-compatible service (AWS S3, MinIO, moto) through boto3. Blocking calls run in a
  worker thread. An S3 PUT or a completed multipart upload is itself the atomic publish (the
  object appears whole or not at all); streams larger than one part go up as multipart uploads,
  aborted on failure so no partial object or orphaned parts stay behind.

Keys are relative POSIX paths of ``[A-Za-z0-9._-]`` segments, none starting with a dot (so no
``..``, no hidden names, no absolute paths): the same key maps to the same place on both backends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, runtime_checkable

from app.kernel.settings import Settings

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

CHUNK_SIZE = 64 * 1024
# S3 parts must be at least 5 MiB (except the last); bigger parts mean fewer round trips.
MULTIPART_PART_SIZE = 8 * 1024 * 1024
MAX_KEY_LENGTH = 512
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9._-]*"
_KEY = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT})*$")
_TEMP_PREFIX = ".tmp-"

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


class FilesystemStorage:
    """Objects as files under ``root``."""

    backend = "filesystem"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_of(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise InvalidKey(f"invalid object key {key!r}")
        return path

    async def put(self, key: str, data: Payload, content_type: str = "application/octet-stream") -> int:
        target = self.path_of(key)
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        temp = target.parent / f"{_TEMP_PREFIX}{target.name}-{secrets.token_hex(8)}"
        handle = await asyncio.to_thread(temp.open, "xb")
        written = 0
        try:
            if isinstance(data, bytes | bytearray | memoryview):
                written = await asyncio.to_thread(handle.write, data)
            else:
                async for chunk in _chunks(data):
                    written += await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(_flush_and_close, handle)
            await asyncio.to_thread(os.replace, temp, target)
        except BaseException:
            handle.close()
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise
        return written

    async def open(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        return _read_file(handle, chunk_size)

    async def get(self, key: str) -> bytes:
        path = self.path_of(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(path.unlink)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)

    async def size(self, key: str) -> int:
        path = self.path_of(key)
        try:
            stat = await asyncio.to_thread(path.stat)
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        if not path.is_file():
            raise ObjectNotFound(key)
        return stat.st_size

    async def presigned_url(self, key: str, expires: int) -> str | None:
        check_key(key)
        return None


def _flush_and_close(handle: IO[bytes]) -> None:
    try:
        handle.flush()
        os.fsync(handle.fileno())
    finally:
        handle.close()


async def _read_file(handle: IO[bytes], chunk_size: int) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(handle.read, chunk_size):
            yield chunk
    finally:
        handle.close()


@dataclass(frozen=True)
class S3Config:
    bucket: str
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    region: str = "us-east-1"


class S3Storage:
    """Objects in one bucket of an S3-compatible service.

    The bucket is checked (and created when missing) once per instance, before its first use.
    """

    backend = "s3"

    def __init__(self, config: S3Config, part_size: int = MULTIPART_PART_SIZE) -> None:
        self.config = config
        self.bucket = config.bucket
        self.part_size = part_size
        self._client: S3Client | None = None
        self._bucket_ready = False

    @property
    def client(self) -> S3Client:
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client(
                "s3",
                endpoint_url=self.config.endpoint_url,
                aws_access_key_id=self.config.access_key_id,
                aws_secret_access_key=self.config.secret_access_key,
                region_name=self.config.region,
                config=Config(
                    s3={"addressing_style": "path"},
                    signature_version="s3v4",
                    retries={"max_attempts": 5, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=30,
                ),
            )
        return self._client

    async def call(self, operation: str, **kwargs: Any) -> Any:
        """One blocking boto3 call in a worker thread; unreachable endpoints become
        ``StorageUnavailable``."""
        from botocore.exceptions import (
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ReadTimeoutError,
        )

        try:
            return await asyncio.to_thread(getattr(self.client, operation), **kwargs)
        except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError) as exc:
            raise StorageUnavailable(f"object storage is unreachable: {type(exc).__name__}") from exc

    async def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        from botocore.exceptions import ClientError

        try:
            await self.call("head_bucket", Bucket=self.bucket)
        except ClientError as exc:
            if _error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                raise
            await self._create_bucket()
        self._bucket_ready = True

    async def _create_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            if self.config.region == "us-east-1":
                await self.call("create_bucket", Bucket=self.bucket)
            else:
                await self.call(
                    "create_bucket",
                    Bucket=self.bucket,
                    CreateBucketConfiguration={"LocationConstraint": self.config.region},
                )
        except ClientError as exc:
            if _error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    async def put(self, key: str, data: Payload, content_type: str = "application/octet-stream") -> int:
        check_key(key)
        await self._ensure_bucket()
        if isinstance(data, bytes | bytearray | memoryview):
            body = bytes(data)
            await self.call("put_object", Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
            return len(body)
        buffer = bytearray()
        upload: _MultipartUpload | None = None
        total = 0
        try:
            async for chunk in _chunks(data):
                buffer += chunk
                total += len(chunk)
                while len(buffer) >= self.part_size:
                    if upload is None:
                        upload = await _MultipartUpload.start(self, key, content_type)
                    part, buffer = bytes(buffer[: self.part_size]), buffer[self.part_size :]
                    await upload.send(part)
            if upload is None:
                await self.call("put_object", Bucket=self.bucket, Key=key, Body=bytes(buffer), ContentType=content_type)
                return total
            if buffer:
                await upload.send(bytes(buffer))
            await upload.complete()
        except BaseException:
            if upload is not None:
                await upload.abort()
            raise
        return total

    async def open(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        check_key(key)
        await self._ensure_bucket()
        from botocore.exceptions import ClientError

        try:
            response = await self.call("get_object", Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _is_missing(exc):
                raise ObjectNotFound(key) from None
            raise
        return _read_s3_body(response["Body"], chunk_size)

    async def get(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in await self.open(key)])

    async def delete(self, key: str) -> None:
        check_key(key)
        await self._ensure_bucket()
        from botocore.exceptions import ClientError

        try:
            await self.call("delete_object", Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if not _is_missing(exc):
                raise

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except ObjectNotFound:
            return False
        return True

    async def size(self, key: str) -> int:
        check_key(key)
        await self._ensure_bucket()
        from botocore.exceptions import ClientError

        try:
            head = await self.call("head_object", Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _is_missing(exc):
                raise ObjectNotFound(key) from None
            raise
        return int(head["ContentLength"])

    async def presigned_url(self, key: str, expires: int) -> str | None:
        check_key(key)
        url: str = await self.call(
            "generate_presigned_url",
            ClientMethod="get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=expires,
        )
        return url


class _MultipartUpload:
    def __init__(self, storage: S3Storage, key: str, upload_id: str) -> None:
        self.storage, self.key, self.upload_id = storage, key, upload_id
        self.parts: list[dict[str, Any]] = []

    @classmethod
    async def start(cls, storage: S3Storage, key: str, content_type: str) -> _MultipartUpload:
        response = await storage.call(
            "create_multipart_upload", Bucket=storage.bucket, Key=key, ContentType=content_type
        )
        return cls(storage, key, response["UploadId"])

    async def send(self, part: bytes) -> None:
        number = len(self.parts) + 1
        response = await self.storage.call(
            "upload_part",
            Bucket=self.storage.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=part,
        )
        self.parts.append({"ETag": response["ETag"], "PartNumber": number})

    async def complete(self) -> None:
        await self.storage.call(
            "complete_multipart_upload",
            Bucket=self.storage.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )

    async def abort(self) -> None:
        with contextlib.suppress(Exception):
            await self.storage.call(
                "abort_multipart_upload",
                Bucket=self.storage.bucket,
                Key=self.key,
                UploadId=self.upload_id,
            )


async def _read_s3_body(body: Any, chunk_size: int) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(body.read, chunk_size):
            yield chunk
    finally:
        body.close()


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _is_missing(exc: Exception) -> bool:
    return _error_code(exc) in ("404", "NoSuchKey", "NotFound")


def storage_from_settings(settings: Settings) -> Storage:
    """The configured backend. One instance per configuration (the boto3 client is reused)."""
    if settings.storage_backend == "s3":
        return _s3_storage(
            S3Config(
                bucket=settings.s3_bucket,
                endpoint_url=settings.s3_endpoint_url,
                access_key_id=settings.s3_access_key_id,
                secret_access_key=settings.s3_secret_access_key,
                region=settings.s3_region,
            )
        )
    return _filesystem_storage(settings.data_dir / "storage")


@lru_cache(maxsize=8)
def _s3_storage(config: S3Config) -> S3Storage:
    return S3Storage(config)


@lru_cache(maxsize=8)
def _filesystem_storage(root: Path) -> FilesystemStorage:
    return FilesystemStorage(root)
