"""Object storage in a backup: the files of the filesystem backend (``$MARQUEE_DATA_DIR/storage``)
or every object of the S3 bucket, mirrored as ``<backup>/storage/<key>``.

A backup taken from one backend restores into whichever backend is configured at restore time.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from app.backup._manifest import STORAGE_DIR, BackupError, StorageSummary
from app.kernel.settings import Settings

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client


def filesystem_root(settings: Settings) -> Path:
    return settings.data_dir / "storage"


def _files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(path for path in root.rglob("*") if path.is_file())


def summarize(root: Path) -> tuple[int, int]:
    """(files, bytes) under ``root``."""
    files = list(_files(root))
    return len(files), sum(path.stat().st_size for path in files)


def _s3_client(settings: Settings) -> S3Client:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
        region_name=settings.s3_region,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}),
    )


def _key_path(root: Path, key: str) -> Path:
    """Where object ``key`` lives under ``root``; keys that could escape it are refused."""
    parts = PurePosixPath(key).parts
    if not parts or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise BackupError(f"object key {key!r} cannot be stored safely as a file")
    return root.joinpath(*parts)


def back_up_storage(settings: Settings, backup: Path) -> StorageSummary:
    target = backup / STORAGE_DIR
    target.mkdir(parents=True, exist_ok=True)
    if settings.storage_backend == "filesystem":
        source = filesystem_root(settings)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        client = _s3_client(settings)
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=settings.s3_bucket):
            for item in page.get("Contents", []):
                key = item["Key"]
                if key.endswith("/"):
                    continue
                path = _key_path(target, key)
                path.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(settings.s3_bucket, key, str(path))
    files, size = summarize(target)
    return StorageSummary(backend=settings.storage_backend, files=files, bytes=size)


def check_storage(backup: Path, expected: StorageSummary) -> None:
    files, _ = summarize(backup / STORAGE_DIR)
    if files != expected.files:
        raise BackupError(f"the backup's storage holds {files} file(s), its manifest says {expected.files}")


def _empty_bucket(client: S3Client, bucket: str) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})  # type: ignore[typeddict-item]


def _bucket_exists(client: S3Client, bucket: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket"):
            return False
        raise
    return True


def _create_bucket(client: S3Client, settings: Settings) -> None:
    if settings.s3_region == "us-east-1":
        client.create_bucket(Bucket=settings.s3_bucket)
    else:
        client.create_bucket(
            Bucket=settings.s3_bucket,
            CreateBucketConfiguration={"LocationConstraint": settings.s3_region},  # type: ignore[typeddict-item]
        )


def restore_storage(settings: Settings, backup: Path, *, drop: bool) -> int:
    """Copy the backup's files into the configured storage (emptied first with ``drop``)."""
    source = backup / STORAGE_DIR
    files = list(_files(source))
    if settings.storage_backend == "filesystem":
        target = filesystem_root(settings)
        if drop and target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        return len(files)
    client = _s3_client(settings)
    if not _bucket_exists(client, settings.s3_bucket):
        _create_bucket(client, settings)
    elif drop:
        _empty_bucket(client, settings.s3_bucket)
    for path in files:
        client.upload_file(str(path), settings.s3_bucket, path.relative_to(source).as_posix())
    return len(files)
