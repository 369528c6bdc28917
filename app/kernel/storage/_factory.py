"""Which backend serves this configuration: one instance per configuration."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from app.kernel.settings import Settings
from app.kernel.storage._base import Storage
from app.kernel.storage._filesystem import FilesystemStorage
from app.kernel.storage._s3 import S3Config, S3Storage


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
                public_endpoint_url=settings.s3_public_endpoint_url or None,
            )
        )
    return _filesystem_storage(settings.data_dir / "storage")


@lru_cache(maxsize=8)
def _s3_storage(config: S3Config) -> S3Storage:
    return S3Storage(config)


@lru_cache(maxsize=8)
def _filesystem_storage(root: Path) -> FilesystemStorage:
    return FilesystemStorage(root)
