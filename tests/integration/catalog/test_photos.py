"""Director photos through HTTP on both storage backends: the filesystem under the data dir and
S3 (a real local S3-compatible server: moto's server mode)."""

from __future__ import annotations

import secrets
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.kernel import runtime
from app.kernel.storage import FilesystemStorage, S3Storage, Storage, storage_from_settings
from modules.catalog.services import DirectorService
from tests.integration.accounts import Account, create_account
from tests.support import error_of

MISSING_ID = "0123456789abcdef01234567"
LIMIT = 5 * 1024 * 1024


def png(width: int = 1, height: int = 1) -> bytes:
    """A real, minimal PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + secrets.token_bytes(64) + b"\xff\xd9"
WEBP = b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8L" + secrets.token_bytes(22)
GIF = b"GIF89a" + secrets.token_bytes(20)


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    from app.kernel.embedded import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def backend(request: pytest.FixtureRequest, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> Storage:
    """Point the running app's settings at the backend under test; return the same storage."""
    settings = runtime.current().settings
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        monkeypatch.setattr(settings, "storage_backend", "s3")
        monkeypatch.setattr(settings, "s3_endpoint_url", endpoint)
        # the same server under the name clients use: photos are redirects to presigned URLs there
        monkeypatch.setattr(settings, "s3_public_endpoint_url", endpoint.replace("127.0.0.1", "localhost"))
        monkeypatch.setattr(settings, "s3_bucket", f"photos-{secrets.token_hex(4)}")
        monkeypatch.setattr(settings, "s3_access_key_id", "photo-test")
        monkeypatch.setattr(settings, "s3_secret_access_key", "photo-test-secret")
    else:
        monkeypatch.setattr(settings, "storage_backend", "filesystem")
    storage = storage_from_settings(settings)
    assert storage.backend == request.param
    return storage


@pytest.fixture
async def director(api: httpx.AsyncClient, member: Account) -> dict[str, Any]:
    response = await api.post("/v1/directors", json={"name": "Wong Kar-wai"}, headers=member.headers)
    assert response.status_code == 201
    return dict(response.json())


async def upload(
    api: httpx.AsyncClient, account: Account, director_id: str, content: bytes, content_type: str
) -> httpx.Response:
    return await api.put(
        f"/v1/directors/{director_id}/photo",
        content=content,
        headers={**account.headers, "Content-Type": content_type},
    )


async def photo_key(director_id: str) -> str | None:
    return (await DirectorService().get(director_id)).photo_key


async def fetch_photo(api: httpx.AsyncClient, account: Account, director_id: str, storage: Storage) -> httpx.Response:
    """GET the photo like a client would: follow the S3 redirect to the presigned URL."""
    response = await api.get(f"/v1/directors/{director_id}/photo", headers=account.headers)
    if isinstance(storage, S3Storage):
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(storage.config.public_endpoint_url or "-")
        assert "X-Amz-Signature" in location
        assert response.headers["cache-control"] == "no-store"
        async with httpx.AsyncClient() as outside:
            return await outside.get(location)
    return response


async def test_photo_round_trip_and_replacement(
    api: httpx.AsyncClient, member: Account, director: dict[str, Any], backend: Storage
) -> None:
    image = png(2, 2)
    response = await upload(api, member, director["id"], image, "image/png")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == director["id"]
    assert body["photo_url"] == f"/v1/directors/{director['id']}/photo"
    assert body["filmography"] == []
    first_key = await photo_key(director["id"])
    assert first_key is not None
    assert first_key.endswith(".png")
    assert await backend.get(first_key) == image

    fetched = await fetch_photo(api, member, director["id"], backend)
    assert fetched.status_code == 200
    assert fetched.content == image
    assert fetched.headers["content-type"] == "image/png"

    detail = (await api.get(f"/v1/directors/{director['id']}", headers=member.headers)).json()
    assert detail["photo_url"] == f"/v1/directors/{director['id']}/photo"
    listed = (await api.get("/v1/directors", headers=member.headers)).json()["data"]
    assert listed[0]["photo_url"] == detail["photo_url"]

    replaced = await upload(api, member, director["id"], JPEG, "image/jpeg")
    assert replaced.status_code == 200
    second_key = await photo_key(director["id"])
    assert second_key is not None
    assert second_key != first_key
    assert second_key.endswith(".jpg")
    assert await backend.exists(first_key) is False
    fetched = await fetch_photo(api, member, director["id"], backend)
    assert fetched.content == JPEG
    assert fetched.headers["content-type"].startswith("image/jpeg")

    # the same image again keeps the same content-addressed object
    again = await upload(api, member, director["id"], JPEG, "image/jpeg")
    assert again.status_code == 200
    assert await photo_key(director["id"]) == second_key
    assert await backend.get(second_key) == JPEG


async def test_webp_and_content_type_parameters(
    api: httpx.AsyncClient, member: Account, director: dict[str, Any], backend: Storage
) -> None:
    response = await upload(api, member, director["id"], WEBP, "IMAGE/WEBP; charset=binary")
    assert response.status_code == 200, response.text
    fetched = await fetch_photo(api, member, director["id"], backend)
    assert fetched.content == WEBP
    assert fetched.headers["content-type"] == "image/webp"


async def test_s3_photos_without_a_public_endpoint_are_served_by_the_api(
    api: httpx.AsyncClient,
    member: Account,
    director: dict[str, Any],
    s3_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a custom endpoint (compose's http://minio:9000) may be unreachable for clients: no redirect
    settings = runtime.current().settings
    monkeypatch.setattr(settings, "storage_backend", "s3")
    monkeypatch.setattr(settings, "s3_endpoint_url", s3_endpoint)
    monkeypatch.setattr(settings, "s3_public_endpoint_url", None)
    monkeypatch.setattr(settings, "s3_bucket", f"photos-{secrets.token_hex(4)}")
    monkeypatch.setattr(settings, "s3_access_key_id", "photo-test")
    monkeypatch.setattr(settings, "s3_secret_access_key", "photo-test-secret")
    assert (await upload(api, member, director["id"], JPEG, "image/jpeg")).status_code == 200

    response = await api.get(f"/v1/directors/{director['id']}/photo", headers=member.headers)
    assert response.status_code == 200
    assert response.content == JPEG
    assert response.headers["content-type"].startswith("image/jpeg")


async def test_filesystem_photos_live_under_the_data_dir(
    api: httpx.AsyncClient, member: Account, director: dict[str, Any]
) -> None:
    settings = runtime.current().settings
    storage = storage_from_settings(settings)
    assert isinstance(storage, FilesystemStorage)
    assert (await upload(api, member, director["id"], JPEG, "image/jpeg")).status_code == 200
    key = await photo_key(director["id"])
    assert key is not None
    assert (settings.data_dir / "storage" / key).read_bytes() == JPEG


async def test_conditional_photo_get(api: httpx.AsyncClient, member: Account, director: dict[str, Any]) -> None:
    await upload(api, member, director["id"], JPEG, "image/jpeg")
    first = await api.get(f"/v1/directors/{director['id']}/photo", headers=member.headers)
    etag = first.headers["etag"]
    assert etag.startswith('"')
    again = await api.get(f"/v1/directors/{director['id']}/photo", headers={**member.headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    await upload(api, member, director["id"], png(), "image/png")
    changed = await api.get(f"/v1/directors/{director['id']}/photo", headers={**member.headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_no_photo_is_404(
    api: httpx.AsyncClient, member: Account, director: dict[str, Any], backend: Storage
) -> None:
    response = await api.get(f"/v1/directors/{director['id']}/photo", headers=member.headers)
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "NOT_FOUND"
    assert "photo" in error["message"]


@pytest.mark.parametrize("director_id", [MISSING_ID, "not-an-id"])
async def test_photo_of_unknown_director_is_404(api: httpx.AsyncClient, member: Account, director_id: str) -> None:
    put = await upload(api, member, director_id, JPEG, "image/jpeg")
    assert put.status_code == 404
    assert error_of(put)["code"] == "DIRECTOR_NOT_FOUND"
    get = await api.get(f"/v1/directors/{director_id}/photo", headers=member.headers)
    assert get.status_code == 404
    assert error_of(get)["code"] == "DIRECTOR_NOT_FOUND"


async def test_photo_size_limit(
    api: httpx.AsyncClient, member: Account, director: dict[str, Any], backend: Storage
) -> None:
    at_limit = JPEG[:-2] + b"\x00" * (LIMIT - len(JPEG)) + b"\xff\xd9"
    assert len(at_limit) == LIMIT
    accepted = await upload(api, member, director["id"], at_limit, "image/jpeg")
    assert accepted.status_code == 200, accepted.text
    key = await photo_key(director["id"])
    assert key is not None
    assert await backend.size(key) == LIMIT

    too_big = await upload(api, member, director["id"], at_limit + b"\x00", "image/jpeg")
    assert too_big.status_code == 413
    assert error_of(too_big)["code"] == "PAYLOAD_TOO_LARGE"
    assert await photo_key(director["id"]) == key


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (GIF, "image/gif"),
        (JPEG, "text/plain"),
        (JPEG, "application/octet-stream"),
        (JPEG, "application/json"),
        (png(), "image/jpeg"),
        (JPEG, "image/png"),
        (WEBP, "image/png"),
        (GIF, "image/png"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", "image/webp"),
        (b"\xff\xd8", "image/jpeg"),
        (b"", "image/jpeg"),
    ],
)
async def test_wrong_types_and_bad_magic_are_415(
    api: httpx.AsyncClient, member: Account, director: dict[str, Any], content: bytes, content_type: str
) -> None:
    response = await upload(api, member, director["id"], content, content_type)
    assert response.status_code == 415, response.text
    assert error_of(response)["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert await photo_key(director["id"]) is None


async def test_missing_content_type_is_415(api: httpx.AsyncClient, member: Account, director: dict[str, Any]) -> None:
    response = await api.put(f"/v1/directors/{director['id']}/photo", content=JPEG, headers=member.headers)
    assert response.status_code == 415
    assert error_of(response)["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_photo_upload_needs_movies_write(
    api: httpx.AsyncClient, director: dict[str, Any], admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime.current().settings, "default_user_permissions", ["movies:read"])
    reader = await create_account(api, "photoreader")
    monkeypatch.undo()
    response = await upload(api, reader, director["id"], JPEG, "image/jpeg")
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"
    anonymous = await api.put(
        f"/v1/directors/{director['id']}/photo", content=JPEG, headers={"Content-Type": "image/jpeg"}
    )
    assert anonymous.status_code == 401
    assert await photo_key(director["id"]) is None
    # any account with movies:write may set it (not only the director's creator); admins too
    assert (await upload(api, admin, director["id"], JPEG, "image/jpeg")).status_code == 200
    assert (await api.get(f"/v1/directors/{director['id']}/photo", headers=reader.headers)).status_code == 200
    assert (await api.get(f"/v1/directors/{director['id']}/photo")).status_code == 401


async def test_photo_routes_answer_503_when_object_storage_is_down(
    api: httpx.AsyncClient, member: Account, director: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.kernel.embedded import free_port

    settings = runtime.current().settings
    monkeypatch.setattr(settings, "storage_backend", "s3")
    monkeypatch.setattr(settings, "s3_endpoint_url", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setattr(settings, "s3_bucket", f"down-{secrets.token_hex(4)}")
    monkeypatch.setattr(settings, "s3_access_key_id", "photo-test")
    monkeypatch.setattr(settings, "s3_secret_access_key", "photo-test-secret")
    storage = storage_from_settings(settings)
    assert isinstance(storage, S3Storage)
    response = await upload(api, member, director["id"], JPEG, "image/jpeg")
    assert response.status_code == 503
    assert error_of(response)["code"] == "SERVICE_UNAVAILABLE"
    assert await photo_key(director["id"]) is None
