"""`marquee backup` then `marquee restore` against the real embedded server: every document,
index, collection option and storage file comes back.

This test is about the dump format, so it writes raw documents with PyMongo into its own
database (``<session db>_backup``) and its own data directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
import redis
from bson import Binary, Decimal128, Int64, ObjectId
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from click.testing import CliRunner
from pymongo import ASCENDING, DESCENDING, IndexModel, MongoClient
from pymongo.collation import Collation
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, OperationFailure

from app.backup import BackupError, restore_backup
from app.cli import cli
from app.kernel.cache import PREFIX, Cache
from app.kernel.embedded import free_port
from app.kernel.settings import Settings, get_settings
from modules.catalog.services._cache import DETAIL_NAMESPACE, TOTAL_NAMESPACE
from modules.identity.services._auth_state import cache_keys
from modules.ratings.services._marks import QUEUE_PREFIX

STORAGE_FILES = {
    "exports/6650a1b2c3d4e5f601234567.csv": b"id,title\n1,Alien\n2,Heat\n",
    "photos/actors/42.jpg": bytes(range(256)) * 4,
}


@pytest.fixture
def backup_settings(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The process settings pointed at this test's own database and data directory."""
    monkeypatch.setenv("MONGODB_DB", settings.mongodb_db + "_backup")
    monkeypatch.setenv("MARQUEE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("STORAGE_BACKEND", "filesystem")
    get_settings.cache_clear()
    own = get_settings()
    assert own.mongodb_url
    with MongoClient[dict[str, Any]](own.mongodb_url) as client:
        client.drop_database(own.mongodb_db)
    try:
        yield own
    finally:
        with MongoClient[dict[str, Any]](own.mongodb_url) as client:
            client.drop_database(own.mongodb_db)
        get_settings.cache_clear()


@pytest.fixture
def db(backup_settings: Settings) -> Iterator[Database[dict[str, Any]]]:
    assert backup_settings.mongodb_url
    with MongoClient[dict[str, Any]](backup_settings.mongodb_url, tz_aware=True) as client:
        yield client[backup_settings.mongodb_db]


def _populate(db: Database[dict[str, Any]], data_dir: Path) -> None:
    movies = [
        {
            "_id": ObjectId(),
            "title": f"Movie {i:04d}",
            "year": 1950 + i % 70,
            "runtime": Int64(90 + i % 60),
            "rating": Decimal128(Decimal(f"{i % 10}.{i % 7}")),
            "genres": ["drama", "crime"][: 1 + i % 2],
            "credits": {"director": {"name": f"Director {i % 13}"}, "cast": [{"name": "Ana", "order": 1}]},
            "poster": Binary(bytes([i % 256]) * 8),
            "released_at": datetime(2000, 1, 1 + i % 28, 12, 30, 15, 123000, tzinfo=UTC),
            "deleted_at": None,
            "available": i % 3 == 0,
        }
        for i in range(2500)
    ]
    db.movies.insert_many(movies)
    db.movies.create_indexes(
        [
            IndexModel(
                [("title", ASCENDING)], name="title_ci_unique", unique=True, collation=Collation("en", strength=2)
            ),
            IndexModel(
                [("year", DESCENDING), ("title", ASCENDING)],
                name="year_title_available",
                partialFilterExpression={"available": True},
            ),
            IndexModel([("genres", ASCENDING)], name="genres"),
        ]
    )
    db.create_collection(
        "users",
        validator={"$jsonSchema": {"bsonType": "object", "required": ["username"]}},
    )
    db.users.insert_many([{"username": "Ada", "email": "ada@example.com"}, {"username": "Bob", "email": None}])
    db.users.create_index(
        [("username", ASCENDING)], name="username_ci_unique", unique=True, collation=Collation("en", strength=2)
    )
    db.create_collection("tokens")
    db.tokens.create_index([("expires_at", ASCENDING)], name="expires_ttl", expireAfterSeconds=0)
    for key, content in STORAGE_FILES.items():
        path = data_dir / "storage" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _snapshot(db: Database[dict[str, Any]]) -> dict[str, Any]:
    """Everything a restore must bring back: documents (decoded and raw bytes), indexes, options."""
    raw_options: CodecOptions[RawBSONDocument] = CodecOptions(document_class=RawBSONDocument)
    state: dict[str, Any] = {}
    for info in db.list_collections():
        name = info["name"]
        raw = cast("Collection[RawBSONDocument]", db.get_collection(name, codec_options=raw_options))
        state[name] = {
            "documents": list(db[name].find().sort("_id")),
            "raw": [document.raw for document in raw.find().sort("_id")],
            "indexes": sorted(
                ({k: v for k, v in index.items() if k != "ns"} for index in db[name].list_indexes()),
                key=lambda index: index["name"],
            ),
            "options": info.get("options", {}),
        }
    return state


def _run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def test_backup_then_restore_brings_back_every_document_index_and_file(
    backup_settings: Settings, db: Database[dict[str, Any]], tmp_path: Path
) -> None:
    _populate(db, backup_settings.data_dir)
    before = _snapshot(db)
    assert set(before) == {"movies", "users", "tokens"}

    output = tmp_path / "backup-1"
    result = _run("backup", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert "2502 document(s) in 3 collection(s), 2 storage file(s)" in result.output

    manifest = json.loads((output / "manifest.json").read_text())
    assert manifest["database"] == backup_settings.mongodb_db
    assert manifest["method"] == "pymongo"
    assert manifest["collections"] == {"movies": 2500, "tokens": 0, "users": 2}
    assert manifest["storage"] == {
        "backend": "filesystem",
        "files": 2,
        "bytes": sum(len(content) for content in STORAGE_FILES.values()),
    }
    dump = output / "mongodb" / backup_settings.mongodb_db
    assert sorted(path.name for path in dump.iterdir()) == [
        "movies.bson",
        "movies.metadata.json",
        "tokens.bson",
        "tokens.metadata.json",
        "users.bson",
        "users.metadata.json",
    ]
    metadata = json.loads((dump / "movies.metadata.json").read_text())
    title_index = next(index for index in metadata["indexes"] if index["name"] == "title_ci_unique")
    assert title_index["unique"] is True
    assert title_index["collation"]["locale"] == "en"

    db.client.drop_database(db.name)
    storage = backup_settings.data_dir / "storage"
    for key in STORAGE_FILES:
        (storage / key).unlink()
    assert db.list_collection_names() == []

    result = _run("restore", str(output))
    assert result.exit_code == 0, result.output
    assert f"into database {backup_settings.mongodb_db!r}" in result.output

    after = _snapshot(db)
    assert set(after) == set(before)
    for name in before:
        assert after[name]["documents"] == before[name]["documents"], name
        assert after[name]["raw"] == before[name]["raw"], name
        assert after[name]["indexes"] == before[name]["indexes"], name
        assert after[name]["options"] == before[name]["options"], name
    for key, content in STORAGE_FILES.items():
        assert (storage / key).read_bytes() == content
    with pytest.raises(DuplicateKeyError):
        db.movies.insert_one({"title": "MOVIE 0001"})


def test_restore_refuses_a_non_empty_database_unless_drop(
    backup_settings: Settings, db: Database[dict[str, Any]], tmp_path: Path
) -> None:
    _populate(db, backup_settings.data_dir)
    output = tmp_path / "backup-2"
    assert _run("backup", "--output", str(output)).exit_code == 0
    db.movies.delete_many({"year": {"$gt": 1960}})
    db.leftovers.insert_one({"note": "written after the backup"})
    remaining = db.movies.count_documents({})

    refused = _run("restore", str(output))
    assert refused.exit_code == 1
    assert f"database {backup_settings.mongodb_db!r} is not empty" in refused.output
    assert "pass --drop" in refused.output
    assert db.movies.count_documents({}) == remaining
    assert db.leftovers.count_documents({}) == 1

    replaced = _run("restore", str(output), "--drop")
    assert replaced.exit_code == 0, replaced.output
    assert db.movies.count_documents({}) == 2500
    assert "leftovers" not in db.list_collection_names()


def test_backup_refuses_an_existing_directory_and_restore_an_incomplete_one(
    backup_settings: Settings, db: Database[dict[str, Any]], tmp_path: Path
) -> None:
    db.movies.insert_one({"title": "Alien"})
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("operator's file")

    result = _run("backup", "--output", str(occupied))
    assert result.exit_code == 1
    assert "is not an empty directory" in result.output
    assert sorted(path.name for path in occupied.iterdir()) == ["keep.txt"]

    result = _run("restore", str(occupied))
    assert result.exit_code == 1
    assert "manifest.json is missing" in result.output

    complete = tmp_path / "complete"
    assert _run("backup", "--output", str(complete)).exit_code == 0
    (complete / "mongodb" / backup_settings.mongodb_db / "movies.bson").unlink()
    db.client.drop_database(db.name)
    result = _run("restore", str(complete))
    assert result.exit_code == 1
    assert "the backup is incomplete" in result.output
    assert db.list_collection_names() == []


@pytest.fixture
def s3_settings(backup_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """STORAGE_BACKEND=s3 against a local S3 server (moto), with an existing bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    monkeypatch.setenv("S3_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("S3_BUCKET", "marquee-backup-test")
    monkeypatch.setenv("S3_ACCESS_KEY_ID", "backup-test")
    monkeypatch.setenv("S3_SECRET_ACCESS_KEY", "backup-test-secret")
    get_settings.cache_clear()
    own = get_settings()
    boto3.client(
        "s3",
        endpoint_url=own.s3_endpoint_url,
        aws_access_key_id=own.s3_access_key_id,
        aws_secret_access_key=own.s3_secret_access_key,
        region_name=own.s3_region,
    ).create_bucket(Bucket=own.s3_bucket)
    try:
        yield own
    finally:
        server.stop()


def test_s3_objects_are_backed_up_and_restored(
    s3_settings: Settings, db: Database[dict[str, Any]], tmp_path: Path
) -> None:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=s3_settings.s3_endpoint_url,
        aws_access_key_id=s3_settings.s3_access_key_id,
        aws_secret_access_key=s3_settings.s3_secret_access_key,
        region_name=s3_settings.s3_region,
    )
    bucket = s3_settings.s3_bucket
    for key, content in STORAGE_FILES.items():
        s3.put_object(Bucket=bucket, Key=key, Body=content)
    db.export_jobs.insert_one({"file_key": next(iter(STORAGE_FILES)), "status": "done"})

    output = tmp_path / "backup-s3"
    result = _run("backup", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert json.loads((output / "manifest.json").read_text())["storage"]["backend"] == "s3"
    for key, content in STORAGE_FILES.items():
        assert (output / "storage" / key).read_bytes() == content

    s3.put_object(Bucket=bucket, Key="exports/stale.csv", Body=b"not in the backup")
    s3.delete_object(Bucket=bucket, Key="photos/actors/42.jpg")
    result = _run("restore", str(output), "--drop")
    assert result.exit_code == 0, result.output

    keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert keys == sorted(STORAGE_FILES)
    for key, content in STORAGE_FILES.items():
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == content
    assert db.export_jobs.count_documents({"status": "done"}) == 1


def test_restore_drops_redis_copies_of_the_previous_database_and_keeps_redis_state(
    backup_settings: Settings, db: Database[dict[str, Any]], tmp_path: Path
) -> None:
    """Cached details, pages, totals, sessions and users describe the database before the
    restore: they go. The revoked-token denylist, the auth cache epoch, rate-limit counters and
    the recompute queue are Redis's own state: they stay."""
    db.movies.insert_one({"title": "Alien"})
    output = tmp_path / "backup-redis"
    assert _run("backup", "--output", str(output)).exit_code == 0
    assert backup_settings.redis_url
    session_key, user_key, jti_key, epoch_key = cache_keys("u1", "s1", "j1")
    copies = [
        Cache._full_key(DETAIL_NAMESPACE, "0", "m1:0"),
        Cache._full_key(TOTAL_NAMESPACE, "3", "genre=x:0"),
        f"{PREFIX}:{TOTAL_NAMESPACE}:gen",
        session_key,
        user_key,
    ]
    own_state = [jti_key, epoch_key, "marquee:ratelimit:ip:203.0.113.9", f"{QUEUE_PREFIX}:movie"]
    with redis.Redis.from_url(backup_settings.redis_url) as client:
        for key in copies + own_state:
            client.set(key, "1", ex=600)
        try:
            result = _run("restore", str(output), "--drop")
            assert result.exit_code == 0, result.output
            assert "dropped" in result.output and "cached cop" in result.output
            assert [key for key in copies if client.exists(key)] == []
            assert [key for key in own_state if client.exists(key)] == own_state
        finally:
            client.delete(*own_state)


def test_restore_tells_when_redis_copies_could_not_be_dropped(
    backup_settings: Settings, db: Database[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.movies.insert_one({"title": "Alien"})
    output = tmp_path / "backup-no-redis"
    assert _run("backup", "--output", str(output)).exit_code == 0
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    get_settings.cache_clear()

    result = _run("restore", str(output), "--drop")
    assert result.exit_code == 1
    assert "the database is restored, but Redis's cached copies could not be dropped" in result.output
    assert f"{PREFIX}:*" in result.output
    assert db.movies.count_documents({"title": "Alien"}) == 1


def test_a_failed_after_restore_step_tells_the_operator_to_restore_again(
    backup_settings: Settings, db: Database[dict[str, Any]], tmp_path: Path
) -> None:
    db.movies.insert_one({"title": "Alien"})
    output = tmp_path / "backup-step"
    assert _run("backup", "--output", str(output)).exit_code == 0
    assert backup_settings.mongodb_url

    def revoke(_: Database[dict[str, Any]]) -> str:
        raise OperationFailure("not authorized")

    with pytest.raises(BackupError, match=r"restored, but .*revoke failed \(not authorized\): run the restore again"):
        restore_backup(backup_settings, backup_settings.mongodb_url, output, drop=True, after_restore=[revoke])
