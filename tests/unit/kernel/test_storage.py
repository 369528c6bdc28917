"""The storage interface: one test body, both real backends (files, and S3 on moto's server)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from app.kernel.settings import Settings
from app.kernel.storage import (
    FilesystemStorage,
    InvalidKey,
    ObjectNotFound,
    S3Config,
    S3Storage,
    Storage,
    StorageUnavailable,
    check_key,
    storage_from_settings,
)

PART = 5 * 1024 * 1024  # the smallest part size S3 accepts


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real local S3-compatible server (moto's server mode) on a free port."""
    from moto.server import ThreadedMotoServer

    from app.kernel.embedded import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_storage(endpoint: str, public_endpoint: str | None = None) -> S3Storage:
    config = S3Config(
        bucket=f"test-{secrets.token_hex(4)}",
        endpoint_url=endpoint,
        access_key_id="test-key",
        secret_access_key="test-secret",
        # the same server under another name: what clients reach (presigned URLs name it)
        public_endpoint_url=public_endpoint
        if public_endpoint is not None
        else endpoint.replace("127.0.0.1", "localhost"),
    )
    return S3Storage(config, part_size=PART)


@pytest.fixture(params=["filesystem", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "filesystem":
        return FilesystemStorage(tmp_path / "storage")
    return s3_storage(request.getfixturevalue("s3_endpoint"))


async def read_all(storage: Storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in await storage.open(key, chunk_size=7)])


async def test_put_get_round_trip_and_metadata(storage: Storage) -> None:
    assert await storage.exists("a/b/photo.jpg") is False
    written = await storage.put("a/b/photo.jpg", b"\xff\xd8\xff-image-bytes", "image/jpeg")
    assert written == 15
    assert await storage.get("a/b/photo.jpg") == b"\xff\xd8\xff-image-bytes"
    assert await read_all(storage, "a/b/photo.jpg") == b"\xff\xd8\xff-image-bytes"
    assert await storage.exists("a/b/photo.jpg") is True
    assert await storage.size("a/b/photo.jpg") == 15
    # a prefix of a key is not an object
    assert await storage.exists("a/b") is False


async def test_put_replaces_the_previous_object(storage: Storage) -> None:
    await storage.put("doc.csv", b"old contents that are longer", "text/csv")
    await storage.put("doc.csv", b"new", "text/csv")
    assert await storage.get("doc.csv") == b"new"
    assert await storage.size("doc.csv") == 3


async def test_put_accepts_sync_and_async_streams(storage: Storage) -> None:
    async def rows() -> AsyncIterator[bytes]:
        for index in range(3):
            yield f"row{index}\n".encode()

    assert await storage.put("exports/async.csv", rows(), "text/csv") == 15
    assert await storage.get("exports/async.csv") == b"row0\nrow1\nrow2\n"
    assert await storage.put("exports/sync.csv", iter([b"a,", b"", b"b\n"]), "text/csv") == 4
    assert await storage.get("exports/sync.csv") == b"a,b\n"
    assert await storage.put("exports/empty.csv", iter([]), "text/csv") == 0
    assert await storage.get("exports/empty.csv") == b""
    assert await storage.exists("exports/empty.csv") is True


async def test_a_big_stream_is_stored_whole(storage: Storage) -> None:
    """On S3 this crosses the part size: a multipart upload of 3 parts."""
    block = secrets.token_bytes(1024 * 1024)

    async def blocks() -> AsyncIterator[bytes]:
        for _ in range(11):
            yield block

    assert await storage.put("big/file.bin", blocks(), "application/octet-stream") == 11 * len(block)
    assert await storage.size("big/file.bin") == 11 * len(block)
    content = await storage.get("big/file.bin")
    assert content == block * 11


async def test_a_failed_write_keeps_the_previous_object(storage: Storage) -> None:
    await storage.put("report.csv", b"complete report", "text/csv")

    async def broken() -> AsyncIterator[bytes]:
        yield b"x" * (PART + 1)
        raise RuntimeError("the producer failed half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        await storage.put("report.csv", broken(), "text/csv")
    assert await storage.get("report.csv") == b"complete report"
    if isinstance(storage, FilesystemStorage):
        assert [path.name for path in storage.root.rglob("*")] == ["report.csv"]
    if isinstance(storage, S3Storage):
        uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)
        assert uploads.get("Uploads", []) == []


async def test_missing_objects(storage: Storage) -> None:
    with pytest.raises(ObjectNotFound):
        await storage.get("nothing/here.png")
    with pytest.raises(ObjectNotFound):
        await storage.open("nothing/here.png")
    with pytest.raises(ObjectNotFound):
        await storage.size("nothing/here.png")
    assert await storage.exists("nothing/here.png") is False
    await storage.delete("nothing/here.png")


async def test_delete(storage: Storage) -> None:
    await storage.put("x/y.bin", b"1", "application/octet-stream")
    await storage.delete("x/y.bin")
    assert await storage.exists("x/y.bin") is False
    with pytest.raises(ObjectNotFound):
        await storage.get("x/y.bin")
    await storage.delete("x/y.bin")


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../escape",
        "a/../../b",
        "a/./b",
        "a//b",
        ".hidden",
        "a/.tmp-x",
        "a\\b",
        "a b",
        "é",
        "x" * 513,
    ],
)
async def test_unsafe_keys_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidKey):
        await storage.put(key, b"data", "text/plain")
    with pytest.raises(InvalidKey):
        await storage.get(key)
    with pytest.raises(InvalidKey):
        await storage.delete(key)


async def test_presigned_url(storage: Storage) -> None:
    await storage.put("photos/p.png", b"\x89PNG-bytes", "image/png")
    url = await storage.presigned_url("photos/p.png", 60)
    if isinstance(storage, FilesystemStorage):
        assert url is None
        return
    assert isinstance(storage, S3Storage)
    assert url is not None
    assert "X-Amz-Signature" in url
    assert url.startswith(storage.config.public_endpoint_url or "")
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    assert response.status_code == 200
    assert response.content == b"\x89PNG-bytes"
    assert response.headers["content-type"] == "image/png"


async def test_no_presigned_url_for_a_custom_endpoint_without_a_public_one(s3_endpoint: str) -> None:
    # compose's http://minio:9000 is not an address a browser reaches: the API serves the bytes
    storage = S3Storage(S3Config(bucket="b", endpoint_url=s3_endpoint, access_key_id="k", secret_access_key="s"))
    assert await storage.presigned_url("photos/p.png", 60) is None


async def test_aws_presigned_urls_name_aws() -> None:
    # no endpoint: AWS itself, which clients reach (signing needs no request)
    storage = S3Storage(S3Config(bucket="b", access_key_id="k", secret_access_key="s", region="eu-west-1"))
    url = await storage.presigned_url("photos/p.png", 60)
    assert url is not None
    assert url.startswith("https://s3.eu-west-1.amazonaws.com/b/photos/p.png?")


def test_filesystem_keys_stay_under_the_root(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path / "storage")
    assert storage.path_of("a/b.txt") == (tmp_path / "storage" / "a" / "b.txt").resolve()
    assert check_key("exports/2026/job-1.csv") == "exports/2026/job-1.csv"


async def test_filesystem_write_publishes_atomically(tmp_path: Path) -> None:
    """While a stream is being written, the published file is still the old one."""
    storage = FilesystemStorage(tmp_path / "storage")
    await storage.put("f.txt", b"old", "text/plain")
    seen: list[bytes] = []

    async def slow() -> AsyncIterator[bytes]:
        yield b"new "
        seen.append((tmp_path / "storage" / "f.txt").read_bytes())
        yield b"content"

    await storage.put("f.txt", slow(), "text/plain")
    assert seen == [b"old"]
    assert await storage.get("f.txt") == b"new content"


def test_storage_from_settings_picks_the_backend(tmp_path: Path) -> None:
    filesystem = storage_from_settings(Settings(marquee_data_dir=tmp_path, storage_backend="filesystem"))
    assert isinstance(filesystem, FilesystemStorage)
    assert filesystem.root == (tmp_path / "storage").resolve()
    assert storage_from_settings(Settings(marquee_data_dir=tmp_path)) is filesystem
    s3 = storage_from_settings(
        Settings(
            storage_backend="s3",
            s3_endpoint_url="http://127.0.0.1:9",
            s3_bucket="media",
            s3_access_key_id="k",
            s3_secret_access_key="s",
            s3_region="eu-west-1",
        )
    )
    assert isinstance(s3, S3Storage)
    assert s3.config == S3Config("media", "http://127.0.0.1:9", "k", "s", "eu-west-1")
    assert s3.backend == "s3"
    assert filesystem.backend == "filesystem"


async def test_an_unreachable_s3_endpoint_is_storage_unavailable() -> None:
    from app.kernel.embedded import free_port

    storage = S3Storage(
        S3Config(bucket="b", endpoint_url=f"http://127.0.0.1:{free_port()}", access_key_id="k", secret_access_key="s")
    )
    with pytest.raises(StorageUnavailable):
        await storage.put("a.txt", b"x", "text/plain")
