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

from app.kernel.storage._base import (
    CHUNK_SIZE,
    MAX_KEY_LENGTH,
    InvalidKey,
    ObjectNotFound,
    Payload,
    Storage,
    StorageError,
    StorageUnavailable,
    check_key,
)
from app.kernel.storage._factory import storage_from_settings
from app.kernel.storage._filesystem import FilesystemStorage
from app.kernel.storage._s3 import MULTIPART_PART_SIZE, S3Config, S3Storage

__all__ = [
    "CHUNK_SIZE",
    "MAX_KEY_LENGTH",
    "MULTIPART_PART_SIZE",
    "FilesystemStorage",
    "InvalidKey",
    "ObjectNotFound",
    "Payload",
    "S3Config",
    "S3Storage",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "check_key",
    "storage_from_settings",
]
