"""Backup pieces that need no server: mongodump/mongorestore command lines, the private tool
config, the manifest and the storage file selection."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.backup import BackupError, Manifest, StorageSummary
from app.backup._database import _tool_config, mongodump_argv, mongorestore_argv
from app.backup._storage import summarize


def test_mongodump_writes_the_directory_layout_gzipped_without_the_uri_on_the_command_line(tmp_path: Path) -> None:
    url = "mongodb://backup:s3cr3t@db.example.net:27017/?replicaSet=rs0&authSource=admin"
    with _tool_config(url) as config:
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert config.read_text() == f'uri: "{url}"\n'
        argv = mongodump_argv("/usr/bin/mongodump", config, "marquee", tmp_path / "mongodb")
    assert not config.exists()
    assert argv == [
        "/usr/bin/mongodump",
        f"--config={config}",
        "--db=marquee",
        f"--out={tmp_path / 'mongodb'}",
        "--gzip",
    ]
    assert not any("s3cr3t" in arg for arg in argv)


def test_mongorestore_renames_the_database_and_reads_gzip_only_when_compressed(tmp_path: Path) -> None:
    config = tmp_path / "tool.yaml"
    plain = mongorestore_argv("mongorestore", config, "marquee", "marquee_staging", tmp_path, compressed=False)
    assert plain == [
        "mongorestore",
        f"--config={config}",
        f"--dir={tmp_path}",
        "--nsInclude=marquee.*",
        "--nsFrom=marquee.*",
        "--nsTo=marquee_staging.*",
        "--bypassDocumentValidation",
        "--stopOnError",
    ]
    gzipped = mongorestore_argv("mongorestore", config, "marquee", "marquee", tmp_path, compressed=True)
    assert gzipped[-1] == "--gzip"


def test_manifest_round_trips_and_a_foreign_file_is_refused(tmp_path: Path) -> None:
    manifest = Manifest(
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        app_version="1.2.3",
        database="marquee",
        method="pymongo",
        compressed=False,
        collections={"movies": 3, "users": 1},
        storage=StorageSummary(backend="filesystem", files=2, bytes=10),
    )
    manifest.write(tmp_path)
    assert Manifest.read(tmp_path) == manifest
    assert not (tmp_path / "manifest.json.tmp").exists()

    (tmp_path / "manifest.json").write_text('{"format": "something-else"}')
    with pytest.raises(BackupError, match="is not a Marquee backup manifest"):
        Manifest.read(tmp_path)


def test_in_flight_temporary_files_are_not_part_of_the_storage(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "job.csv").write_bytes(b"12345")
    (tmp_path / "exports" / ".tmp-job.csv-0123abcd").write_bytes(b"partial")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "file").write_bytes(b"x")
    assert summarize(tmp_path) == (1, 5)
    assert summarize(tmp_path / "missing") == (0, 0)
