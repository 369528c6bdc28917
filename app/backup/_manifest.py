"""The backup directory's layout and its ``manifest.json`` (written last: its presence marks a
complete backup).

    <backup>/manifest.json
    <backup>/mongodb/<database>/<collection>.bson[.gz]           (mongodump's layout)
    <backup>/mongodb/<database>/<collection>.metadata.json[.gz]
    <backup>/storage/<object key>                                 (exports, photos, ...)
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Literal, cast

from pydantic import BaseModel, ConfigDict, ValidationError

MANIFEST_NAME = "manifest.json"
MONGODB_DIR = "mongodb"
STORAGE_DIR = "storage"
FORMAT: Literal["marquee-backup"] = "marquee-backup"
FORMAT_VERSION: Literal[1] = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message tells the operator what to do."""


class StorageSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["filesystem", "s3"]
    files: int
    bytes: int


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["marquee-backup"] = FORMAT
    format_version: Literal[1] = FORMAT_VERSION
    created_at: datetime
    app_version: str
    database: str
    method: Literal["pymongo", "mongodump"]
    compressed: bool
    collections: dict[str, int]
    storage: StorageSummary

    def write(self, directory: Path) -> None:
        tmp = directory / f"{MANIFEST_NAME}.tmp"
        tmp.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
        tmp.replace(directory / MANIFEST_NAME)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST_NAME
        if not path.is_file():
            raise BackupError(f"{directory} is not a complete backup: {MANIFEST_NAME} is missing")
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise BackupError(f"{path} is not a Marquee backup manifest: {exc}") from exc


def database_dir(backup: Path, database: str) -> Path:
    return backup / MONGODB_DIR / database


def collection_file(backup: Path, database: str, collection: str, suffix: str, *, compressed: bool) -> Path:
    """``<collection>.bson`` or ``<collection>.metadata.json``, with ``.gz`` when compressed."""
    return database_dir(backup, database) / f"{collection}{suffix}{'.gz' if compressed else ''}"


@contextmanager
def open_for_reading(path: Path) -> Iterator[IO[bytes]]:
    """A binary stream of ``path``, gunzipped when it ends with ``.gz``."""
    with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as stream:
        yield cast(IO[bytes], stream)
