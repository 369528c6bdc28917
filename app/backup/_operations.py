"""Backup and restore of a whole Marquee installation: the database and the object storage."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import structlog
from pymongo.errors import PyMongoError

from app.backup._database import (
    BSON_SUFFIX,
    METADATA_SUFFIX,
    PlainDatabase,
    connect,
    count_dumped_documents,
    document_counts,
    dump_with_pymongo,
    mongodump_argv,
    mongorestore_argv,
    restore_with_pymongo,
    run_tool,
    user_collections,
)
from app.backup._manifest import MONGODB_DIR, BackupError, Manifest, collection_file
from app.backup._storage import back_up_storage, check_storage, restore_storage
from app.kernel.modules import RestoreStep
from app.kernel.settings import Settings
from app.kernel.version import VERSION

log = structlog.get_logger("marquee.backup")


def default_output(settings: Settings) -> Path:
    return settings.data_dir / "backups" / f"marquee-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


def database_tool(settings: Settings, name: str) -> str | None:
    """mongodump/mongorestore when on PATH and the database is an external ``MONGODB_URL``."""
    return shutil.which(name) if settings.mongodb_url else None


def create_backup(settings: Settings, mongodb_url: str, output: Path, *, show_progress: bool = False) -> Manifest:
    """Dump the database and copy the object storage into the new directory ``output``."""
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise BackupError(f"{output} already exists and is not an empty directory: choose a new one")
    created = not output.exists()
    output.mkdir(parents=True, exist_ok=True)
    try:
        return _write_backup(settings, mongodb_url, output, show_progress=show_progress)
    except BaseException:
        if created:
            shutil.rmtree(output, ignore_errors=True)
        raise


def _write_backup(settings: Settings, mongodb_url: str, output: Path, *, show_progress: bool) -> Manifest:
    created_at = datetime.now(UTC)
    database = settings.mongodb_db
    mongodump = database_tool(settings, "mongodump")
    if mongodump:
        run_tool(lambda config: mongodump_argv(mongodump, config, database, output / MONGODB_DIR), mongodb_url)
        counts = count_dumped_documents(output, database, compressed=True)
    else:
        with connect(mongodb_url, database) as db:
            counts = dump_with_pymongo(db, output, show_progress=show_progress)
    manifest = Manifest(
        created_at=created_at,
        app_version=VERSION,
        database=database,
        method="mongodump" if mongodump else "pymongo",
        compressed=bool(mongodump),
        collections=counts,
        storage=back_up_storage(settings, output),
    )
    manifest.write(output)
    log.info(
        "backup_written",
        path=str(output),
        method=manifest.method,
        collections=len(counts),
        documents=sum(counts.values()),
        storage_files=manifest.storage.files,
    )
    return manifest


def _check_complete(backup: Path, manifest: Manifest) -> None:
    for name in manifest.collections:
        for suffix in (BSON_SUFFIX, METADATA_SUFFIX):
            path = collection_file(backup, manifest.database, name, suffix, compressed=manifest.compressed)
            if not path.is_file():
                raise BackupError(f"the backup is incomplete: {path} is missing")
    check_storage(backup, manifest.storage)


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    # what each ``after_restore`` step reported
    notes: list[str]


def restore_backup(
    settings: Settings,
    mongodb_url: str,
    backup: Path,
    *,
    drop: bool = False,
    after_restore: Sequence[RestoreStep] = (),
    show_progress: bool = False,
) -> Restored:
    """Restore ``backup`` into the configured database and storage, verify the counts, then run
    the modules' ``after_restore`` steps on the restored database.

    The database must hold no document unless ``drop``, which first drops every collection
    (and empties the object storage) so that the result equals the backup (but for what the
    steps change: e.g. the sessions it holds are revoked).
    """
    manifest = Manifest.read(backup)
    _check_complete(backup, manifest)
    with connect(mongodb_url, settings.mongodb_db) as db:
        occupied = {name: count for name, count in document_counts(db).items() if count}
        if occupied and not drop:
            raise BackupError(
                f"database {db.name!r} is not empty ({sum(occupied.values())} document(s) in "
                f"{', '.join(sorted(occupied))}): restore into an empty database, or pass --drop "
                "to replace its contents with the backup"
            )
        if drop:
            for info in user_collections(db):
                db.drop_collection(str(info["name"]))
        mongorestore = database_tool(settings, "mongorestore")
        if mongorestore:
            run_tool(
                lambda config: mongorestore_argv(
                    mongorestore,
                    config,
                    manifest.database,
                    settings.mongodb_db,
                    backup / MONGODB_DIR,
                    compressed=manifest.compressed,
                ),
                mongodb_url,
            )
        else:
            restore_with_pymongo(
                db,
                backup,
                manifest.database,
                manifest.collections,
                compressed=manifest.compressed,
                show_progress=show_progress,
            )
        restored = document_counts(db)
        mismatched = {
            name: (expected, restored.get(name, 0))
            for name, expected in manifest.collections.items()
            if restored.get(name, 0) != expected
        }
        if mismatched:
            details = ", ".join(f"{name}: {found} of {expected}" for name, (expected, found) in mismatched.items())
            raise BackupError(f"restored counts differ from the manifest ({details})")
        notes = _run_steps(db, after_restore)
    files = restore_storage(settings, backup, drop=drop)
    log.info(
        "backup_restored",
        path=str(backup),
        database=settings.mongodb_db,
        documents=sum(restored.values()),
        storage_files=files,
    )
    return Restored(manifest, notes)


def _run_steps(db: PlainDatabase, steps: Sequence[RestoreStep]) -> list[str]:
    notes = []
    for step in steps:
        try:
            notes.append(step(db))
        except PyMongoError as exc:
            raise BackupError(
                f"the database is restored, but {step.__module__}.{step.__name__} failed ({exc}): "
                "run the restore again (with --drop) before serving it"
            ) from exc
    return notes
