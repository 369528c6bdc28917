"""The S3 backend: objects in one bucket of an S3-compatible service, through boto3 in worker threads."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.kernel.storage._base import (
    CHUNK_SIZE,
    ObjectNotFound,
    Payload,
    StorageUnavailable,
    _chunks,
    check_key,
)

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client

# S3 parts must be at least 5 MiB (except the last); bigger parts mean fewer round trips.
MULTIPART_PART_SIZE = 8 * 1024 * 1024


@dataclass(frozen=True)
class S3Config:
    bucket: str
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    region: str = "us-east-1"
    # where clients reach the service (a presigned URL names it); None: ``endpoint_url`` when that
    # is unset (AWS), else no presigned URLs (a custom endpoint may be internal, e.g. compose's minio)
    public_endpoint_url: str | None = None


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
        self._signer: S3Client | None = None
        self._bucket_ready = False

    @property
    def client(self) -> S3Client:
        if self._client is None:
            self._client = self._make_client(self.config.endpoint_url)
        return self._client

    def _make_client(self, endpoint_url: str | None) -> S3Client:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=endpoint_url,
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

    def _signing_client(self) -> S3Client | None:
        """The client whose endpoint a client of the API can reach, or None when none is known."""
        if self.config.public_endpoint_url is not None:
            if self._signer is None:
                self._signer = self._make_client(self.config.public_endpoint_url)
            return self._signer
        return self.client if self.config.endpoint_url is None else None

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
        """A time-limited GET URL on the public endpoint; None when the service may not be
        reachable by clients (a custom ``endpoint_url`` without ``public_endpoint_url``): the
        caller then serves the object itself. Signing is local (no request to the service)."""
        check_key(key)
        signer = self._signing_client()
        if signer is None:
            return None
        url: str = signer.generate_presigned_url(
            ClientMethod="get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires
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
