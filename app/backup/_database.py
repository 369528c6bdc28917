"""Database dump and restore: mongodump/mongorestore when installed, else a built-in PyMongo
dumper writing the same layout (``<coll>.bson`` of concatenated BSON documents and
``<coll>.metadata.json`` with the collection options and every index, collation, unique and
partial filter included), so either tool can restore either kind of backup.

The built-in dumper streams raw BSON from a cursor to the file (flat memory, byte-exact
documents). Each collection is read at its own moment: a dump taken while the API and workers
write is consistent per collection, not across collections (stop writers for a cold copy).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import bson
from bson import json_util
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import PyMongoError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.backup._manifest import BackupError, collection_file, database_dir, open_for_reading

PlainDatabase = Database[dict[str, Any]]
CURSOR_BATCH_SIZE = 1000
INSERT_BATCH_DOCUMENTS = 1000
INSERT_BATCH_BYTES = 8 * 1024 * 1024
BSON_SUFFIX = ".bson"
METADATA_SUFFIX = ".metadata.json"
RAW = CodecOptions(document_class=RawBSONDocument, tz_aware=True)


def progress_bar(*, enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not enabled,
    )


@contextmanager
def connect(url: str, database: str) -> Iterator[PlainDatabase]:
    client: MongoClient[dict[str, Any]] = MongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5000)
    try:
        yield client[database]
    finally:
        client.close()


def user_collections(db: PlainDatabase) -> list[dict[str, Any]]:
    """``listCollections`` entries of the plain collections (no views, no ``system.*``), by name."""
    infos = [
        dict(info)
        for info in db.list_collections(filter={"type": "collection"})
        if not str(info["name"]).startswith("system.")
    ]
    return sorted(infos, key=lambda info: str(info["name"]))


def raw_collection(db: PlainDatabase, name: str) -> Collection[RawBSONDocument]:
    """The collection read and written as undecoded BSON (byte-exact, no decode/encode cost)."""
    return cast("Collection[RawBSONDocument]", db.get_collection(name, codec_options=RAW))


def document_counts(db: PlainDatabase) -> dict[str, int]:
    return {str(info["name"]): db[str(info["name"])].count_documents({}) for info in user_collections(db)}


# --- dump ---------------------------------------------------------------------------------------


def _metadata(db: PlainDatabase, info: dict[str, Any]) -> dict[str, Any]:
    name = str(info["name"])
    indexes = []
    for index in db[name].list_indexes():
        spec = dict(index)
        spec.pop("ns", None)
        indexes.append(spec)
    uuid = info.get("info", {}).get("uuid")
    metadata: dict[str, Any] = {
        "indexes": indexes,
        "collectionName": name,
        "type": "collection",
        "options": info.get("options", {}),
    }
    if isinstance(uuid, bson.Binary):
        metadata["uuid"] = uuid.hex()
    return metadata


def dump_with_pymongo(db: PlainDatabase, backup: Path, *, show_progress: bool) -> dict[str, int]:
    """Write every collection's documents and metadata; returns the documents written per collection."""
    target = database_dir(backup, db.name)
    target.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with progress_bar(enabled=show_progress) as progress:
        for info in user_collections(db):
            name = str(info["name"])
            metadata = json_util.dumps(_metadata(db, info), json_options=json_util.CANONICAL_JSON_OPTIONS)
            collection_file(backup, db.name, name, METADATA_SUFFIX, compressed=False).write_text(metadata)
            task = progress.add_task(name, total=db[name].estimated_document_count())
            written = 0
            with collection_file(backup, db.name, name, BSON_SUFFIX, compressed=False).open("wb") as out:
                for document in raw_collection(db, name).find({}, batch_size=CURSOR_BATCH_SIZE):
                    out.write(document.raw)
                    written += 1
                    progress.advance(task)
            progress.update(task, total=written, completed=written)
            counts[name] = written
    return counts


def count_dumped_documents(backup: Path, database: str, *, compressed: bool) -> dict[str, int]:
    """Documents per collection in a dump directory, counted from the ``.bson`` files."""
    suffix = BSON_SUFFIX + (".gz" if compressed else "")
    counts: dict[str, int] = {}
    for path in sorted(database_dir(backup, database).glob(f"*{suffix}")):
        with open_for_reading(path) as stream:
            counts[path.name.removesuffix(suffix)] = sum(1 for _ in bson.decode_file_iter(stream, RAW))
    return counts


# --- restore ------------------------------------------------------------------------------------


def _read_metadata(path: Path) -> dict[str, Any]:
    with open_for_reading(path) as stream:
        metadata = json_util.loads(stream.read().decode("utf-8"))
    if not isinstance(metadata, dict):
        raise BackupError(f"{path} is not a collection metadata document")
    return metadata


def _create_collection(db: PlainDatabase, name: str, metadata: dict[str, Any], existing: set[str]) -> None:
    if name not in existing:
        db.create_collection(name, check_exists=False, **metadata.get("options", {}))
    indexes = []
    for spec in metadata.get("indexes", []):
        if spec.get("name") == "_id_":
            continue
        spec = dict(spec)
        spec.pop("ns", None)
        indexes.append(spec)
    if indexes:
        db.command({"createIndexes": name, "indexes": indexes})


def _batches(stream: Any) -> Iterator[list[RawBSONDocument]]:
    batch: list[RawBSONDocument] = []
    size = 0
    for document in bson.decode_file_iter(stream, RAW):
        batch.append(document)
        size += len(document.raw)
        if len(batch) >= INSERT_BATCH_DOCUMENTS or size >= INSERT_BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def restore_with_pymongo(
    db: PlainDatabase,
    backup: Path,
    source_database: str,
    counts: dict[str, int],
    *,
    compressed: bool,
    show_progress: bool,
) -> None:
    """Recreate each collection with its options and indexes, then insert its documents in batches."""
    existing = set(db.list_collection_names())
    with progress_bar(enabled=show_progress) as progress:
        for name, total in counts.items():
            metadata_path = collection_file(backup, source_database, name, METADATA_SUFFIX, compressed=compressed)
            data_path = collection_file(backup, source_database, name, BSON_SUFFIX, compressed=compressed)
            try:
                _create_collection(db, name, _read_metadata(metadata_path), existing)
                task = progress.add_task(name, total=total)
                collection = raw_collection(db, name)
                with open_for_reading(data_path) as stream:
                    for batch in _batches(stream):
                        collection.insert_many(batch, ordered=True, bypass_document_validation=True)
                        progress.advance(task, len(batch))
            except PyMongoError as exc:
                raise BackupError(f"restoring collection {name!r} failed: {exc}") from exc


# --- mongodump / mongorestore ------------------------------------------------------------------


@contextmanager
def _tool_config(url: str) -> Iterator[Path]:
    """A private YAML config holding the URI, so credentials never show in the process list."""
    with tempfile.TemporaryDirectory(prefix="marquee-backup-") as tmp:
        path = Path(tmp) / "tool.yaml"
        path.touch(mode=0o600)
        path.write_text(f"uri: {json.dumps(url)}\n", encoding="utf-8")
        yield path


def mongodump_argv(executable: str, config: Path, database: str, output: Path) -> list[str]:
    return [executable, f"--config={config}", f"--db={database}", f"--out={output}", "--gzip"]


def mongorestore_argv(
    executable: str, config: Path, source_database: str, target_database: str, dump_root: Path, *, compressed: bool
) -> list[str]:
    argv = [
        executable,
        f"--config={config}",
        f"--dir={dump_root}",
        f"--nsInclude={source_database}.*",
        f"--nsFrom={source_database}.*",
        f"--nsTo={target_database}.*",
        "--bypassDocumentValidation",
        "--stopOnError",
    ]
    return [*argv, "--gzip"] if compressed else argv


def run_tool(argv_for: Callable[[Path], list[str]], url: str) -> None:
    """Run mongodump/mongorestore built by ``argv_for(config_path)``; a failure is a BackupError."""
    with _tool_config(url) as config:
        argv = argv_for(config)
        result = subprocess.run(argv, check=False)  # noqa: S603 - fixed executable found on PATH
    if result.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} exited with status {result.returncode}")
