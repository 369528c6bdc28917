"""Object storage in a backup: the files of the filesystem backend (``$MARQUEE_DATA_DIR/storage``)
or every object of the S3 bucket, mirrored as ``<backup>/storage/<key>``.

A backup taken from one backend restores into whichever backend is configured at restore time
(object keys are the same relative paths on both, see ``app.kernel.storage``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from app.backup._manifest import STORAGE_DIR, BackupError, StorageSummary
from app.kernel.settings import Settings
from app.kernel.storage import FilesystemStorage, InvalidKey, S3Storage, check_key, storage_from_settings

if TYPE_CHECKING:
    from types_boto3_s3 import S3Client


def _files(root: Path) -> Iterator[Path]:
    """Stored objects under ``root`` (dot-named entries are in-flight temporary files)."""
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts):
                yield path


def _key_of(root: Path, path: Path) -> str:
    key = path.relative_to(root).as_posix()
    try:
        return check_key(key)
    except InvalidKey as exc:
        raise BackupError(f"{path} is not a valid object key: {exc}") from exc


def _path_of(root: Path, key: str) -> Path:
    try:
        return root / check_key(key)
    except InvalidKey as exc:
        raise BackupError(f"object {key!r} cannot be backed up: {exc}") from exc


def _copy_files(source: Path, target: Path) -> None:
    for path in _files(source):
        destination = target / _key_of(source, path)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def summarize(root: Path) -> tuple[int, int]:
    """(files, bytes) stored under ``root``."""
    files = list(_files(root))
    return len(files), sum(path.stat().st_size for path in files)


def back_up_storage(settings: Settings, backup: Path) -> StorageSummary:
    target = backup / STORAGE_DIR
    target.mkdir(parents=True, exist_ok=True)
    storage = storage_from_settings(settings)
    if isinstance(storage, FilesystemStorage):
        _copy_files(storage.root, target)
    elif isinstance(storage, S3Storage):
        client = storage.client
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket):
            for item in page.get("Contents", []):
                path = _path_of(target, item["Key"])
                path.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(storage.bucket, item["Key"], str(path))
    files, size = summarize(target)
    return StorageSummary(backend=settings.storage_backend, files=files, bytes=size)


def check_storage(backup: Path, expected: StorageSummary) -> None:
    files, _ = summarize(backup / STORAGE_DIR)
    if files != expected.files:
        raise BackupError(f"the backup's storage holds {files} file(s), its manifest says {expected.files}")


def _prepare_bucket(client: S3Client, storage: S3Storage, *, drop: bool) -> None:
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=storage.bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
        if storage.config.region == "us-east-1":
            client.create_bucket(Bucket=storage.bucket)
        else:
            client.create_bucket(
                Bucket=storage.bucket,
                CreateBucketConfiguration={"LocationConstraint": storage.config.region},  # type: ignore[typeddict-item]
            )
        return
    if drop:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=storage.bucket, Delete={"Objects": keys, "Quiet": True})  # type: ignore[typeddict-item]


def restore_storage(settings: Settings, backup: Path, *, drop: bool) -> int:
    """Copy the backup's files into the configured storage (emptied first with ``drop``)."""
    source = backup / STORAGE_DIR
    files = list(_files(source))
    storage = storage_from_settings(settings)
    if isinstance(storage, FilesystemStorage):
        if drop and storage.root.exists():
            shutil.rmtree(storage.root)
        storage.root.mkdir(parents=True, exist_ok=True)
        _copy_files(source, storage.root)
    elif isinstance(storage, S3Storage):
        _prepare_bucket(storage.client, storage, drop=drop)
        for path in files:
            storage.client.upload_file(str(path), storage.bucket, _key_of(source, path))
    return len(files)
