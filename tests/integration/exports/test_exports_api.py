"""/v1/exports routes without a worker: validation, ownership, listing, the cap, not-ready,
and a queue outage. The task queue is replaced by a recorder, so exports stay ``pending``."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from app.kernel import runtime
from modules.exports.services import BUILD_TASK
from tests.integration.accounts import Account, create_account
from tests.integration.exports.conftest import EnqueueRecorder, builder, create_export
from tests.support import error_of

MALFORMED_IDS = ["abc", "0123456789abcdef0123456z", "0123456789abcdef012345678", "%20"]
MISSING_ID = "0123456789abcdef01234567"
EXPORT_FIELDS = {
    "id",
    "resource",
    "format",
    "filters",
    "status",
    "progress",
    "row_count",
    "size_bytes",
    "error",
    "created_at",
    "started_at",
    "finished_at",
    "expires_at",
    "download_url",
}


def fields_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    return [item["field"] for item in error["details"]["fields"]]


async def test_create_answers_202_pending_with_location_and_queues_the_build(
    api: httpx.AsyncClient, member: Account, enqueued: EnqueueRecorder
) -> None:
    response = await api.post(
        "/v1/exports",
        json={
            "resource": "movies",
            "format": "csv",
            "filters": {"year_from": 2000, "sort": "title", "genre": "A" * 24},
        },
        headers=member.headers,
    )
    assert response.status_code == 202, response.text
    export = response.json()
    assert set(export) == EXPORT_FIELDS
    assert response.headers["location"] == f"/v1/exports/{export['id']}"
    assert export["resource"] == "movies"
    assert export["format"] == "csv"
    # validated and normalised: ids lower-cased, a single genre becomes a list, defaults left out
    assert export["filters"] == {"year_from": 2000, "sort": "title", "genre": ["a" * 24]}
    assert export["status"] == "pending"
    assert export["progress"] == 0.0
    for empty in ("row_count", "size_bytes", "error", "started_at", "finished_at", "expires_at", "download_url"):
        assert export[empty] is None, empty
    assert enqueued.calls == [(BUILD_TASK, (export["id"],))]

    fetched = await api.get(response.headers["location"], headers=member.headers)
    assert fetched.status_code == 200
    assert fetched.json() == export


async def test_filters_and_format_default(api: httpx.AsyncClient, member: Account, enqueued: EnqueueRecorder) -> None:
    response = await api.post("/v1/exports", json={"resource": "movies"}, headers=member.headers)
    assert response.status_code == 202, response.text
    assert response.json()["filters"] == {}
    assert response.json()["format"] == "csv"


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"country": "usa"}, "filters.country"),
        ({"sort": "password"}, "filters.sort"),
        ({"year": "abc"}, "filters.year"),
        ({"min_rating": 11}, "filters.min_rating"),
        ({"genre": ["not-an-id"]}, "filters.genre.0"),
        ({"released_from": "2020-13-01"}, "filters.released_from"),
        ({"page": 2}, "filters.page"),
        ({"page_size": 10}, "filters.page_size"),
        ({"$where": "sleep(1000)"}, "filters.$where"),
        ({"title": {"$ne": None}}, "filters.title"),
    ],
)
async def test_bad_filters_are_422_naming_the_filter(
    api: httpx.AsyncClient, member: Account, enqueued: EnqueueRecorder, filters: dict[str, Any], field: str
) -> None:
    response = await api.post("/v1/exports", json={"resource": "movies", "filters": filters}, headers=member.headers)
    assert field in fields_of(response)
    assert enqueued.calls == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"resource": "users"}, "resource"),
        ({"resource": "movies", "format": "xlsx"}, "format"),
        ({"format": "csv"}, "resource"),
        ({"resource": "movies", "owner_id": "x"}, "owner_id"),
        ({"resource": "movies", "filters": "year=2000"}, "filters"),
    ],
)
async def test_bad_bodies_are_422(
    api: httpx.AsyncClient, member: Account, enqueued: EnqueueRecorder, body: dict[str, Any], field: str
) -> None:
    response = await api.post("/v1/exports", json=body, headers=member.headers)
    assert field in fields_of(response)


async def test_malformed_json_and_wrong_content_type(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.post(
        "/v1/exports", content=b"{not json", headers={**member.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "BAD_REQUEST"
    response = await api.post(
        "/v1/exports", content=b"resource=movies", headers={**member.headers, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_every_route_needs_a_token(api: httpx.AsyncClient) -> None:
    for method, path in [
        ("POST", "/v1/exports"),
        ("GET", "/v1/exports"),
        ("GET", f"/v1/exports/{MISSING_ID}"),
        ("GET", f"/v1/exports/{MISSING_ID}/download"),
    ]:
        response = await api.request(method, path, json={"resource": "movies"} if method == "POST" else None)
        assert response.status_code == 401, (method, path)
        assert error_of(response)["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_exporting_needs_movies_read(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, enqueued: EnqueueRecorder
) -> None:
    monkeypatch.setattr(runtime.current().settings, "default_user_permissions", ["movies:write"])
    writer_only = await create_account(api, "writeronly")
    monkeypatch.undo()
    response = await api.post("/v1/exports", json={"resource": "movies"}, headers=writer_only.headers)
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"
    assert enqueued.calls == []


async def test_exports_are_private_to_their_owner(
    api: httpx.AsyncClient, member: Account, other_member: Account, admin: Account, enqueued: EnqueueRecorder
) -> None:
    export = await create_export(api, member)
    for intruder in (other_member, admin):
        for path in (f"/v1/exports/{export['id']}", f"/v1/exports/{export['id']}/download"):
            response = await api.get(path, headers=intruder.headers)
            assert response.status_code == 404, path
            assert error_of(response)["code"] == "EXPORT_NOT_FOUND"
        listing = await api.get("/v1/exports", headers=intruder.headers)
        assert listing.json() == {"data": [], "page": 1, "page_size": 20, "total": 0}


@pytest.mark.parametrize("export_id", [*MALFORMED_IDS, MISSING_ID])
async def test_unknown_and_malformed_ids_are_404(api: httpx.AsyncClient, member: Account, export_id: str) -> None:
    for path in (f"/v1/exports/{export_id}", f"/v1/exports/{export_id}/download"):
        response = await api.get(path, headers=member.headers)
        assert response.status_code == 404, (path, response.text)
        assert error_of(response)["code"] == "EXPORT_NOT_FOUND"


async def test_listing_is_mine_newest_first_and_paged(
    api: httpx.AsyncClient, member: Account, other_member: Account, enqueued: EnqueueRecorder
) -> None:
    mine = []
    for year in (2001, 2002, 2003):
        mine.append((await create_export(api, member, {"year": year}))["id"])
        await builder().run(mine[-1])  # finished, so the cap does not stop the next one
    await create_export(api, other_member)

    listing = await api.get("/v1/exports", headers=member.headers)
    assert listing.status_code == 200
    body = listing.json()
    assert body["total"] == 3
    assert [item["id"] for item in body["data"]] == mine[::-1]
    assert [item["filters"] for item in body["data"]] == [{"year": 2003}, {"year": 2002}, {"year": 2001}]

    page = await api.get("/v1/exports", params={"page": 2, "page_size": 2}, headers=member.headers)
    assert page.json()["data"][0]["id"] == mine[0]
    assert page.json()["total"] == 3
    past = await api.get("/v1/exports", params={"page": 5}, headers=member.headers)
    assert past.json()["data"] == []
    assert past.json()["total"] == 3
    for params in ({"page": 0}, {"page_size": 101}, {"page_size": 0}):
        assert (await api.get("/v1/exports", params=params, headers=member.headers)).status_code == 422


async def test_download_before_success_is_409_not_ready(
    api: httpx.AsyncClient, member: Account, enqueued: EnqueueRecorder
) -> None:
    export = await create_export(api, member)
    response = await api.get(f"/v1/exports/{export['id']}/download", headers=member.headers)
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "EXPORT_NOT_READY"
    assert error["details"] == {"status": "pending"}

    claim = await builder().claim(export["id"])
    assert claim is not None
    running = await api.get(f"/v1/exports/{export['id']}", headers=member.headers)
    assert running.json()["status"] == "running"
    assert running.json()["started_at"] is not None
    response = await api.get(f"/v1/exports/{export['id']}/download", headers=member.headers)
    assert error_of(response)["details"] == {"status": "running"}

    await builder().fail(claim, "The export failed unexpectedly (RuntimeError); create a new export.")
    failed = (await api.get(f"/v1/exports/{export['id']}", headers=member.headers)).json()
    assert failed["status"] == "failed"
    assert failed["error"] == "The export failed unexpectedly (RuntimeError); create a new export."
    assert failed["download_url"] is None
    response = await api.get(f"/v1/exports/{export['id']}/download", headers=member.headers)
    assert response.status_code == 409
    assert error_of(response)["details"] == {"status": "failed"}


async def test_concurrent_exports_are_capped_per_user(
    api: httpx.AsyncClient, member: Account, other_member: Account, enqueued: EnqueueRecorder
) -> None:
    body = {"resource": "movies", "format": "csv", "filters": {}}
    responses = await asyncio.gather(*[api.post("/v1/exports", json=body, headers=member.headers) for _ in range(8)])
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [202] * 3 + [429] * 5
    for response in responses:
        if response.status_code == 429:
            error = error_of(response)
            assert error["code"] == "RATE_LIMITED"
            assert error["details"]["limit"] == 3
            assert int(response.headers["retry-after"]) > 0
    assert len(enqueued.calls) == 3
    # another user has slots of their own
    await create_export(api, other_member)

    # a finished export frees its slot
    accepted = [response.json()["id"] for response in responses if response.status_code == 202]
    await builder().run(accepted[0])
    await create_export(api, member)
    again = await api.post("/v1/exports", json=body, headers=member.headers)
    assert again.status_code == 429


async def test_queue_outage_is_503_and_the_export_is_recorded_failed(
    api: httpx.AsyncClient, member: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = EnqueueRecorder(accept=False)
    monkeypatch.setattr("modules.exports.deps.enqueue_task", down)
    for _ in range(4):  # more than the cap: each failed export frees its slot
        response = await api.post("/v1/exports", json={"resource": "movies"}, headers=member.headers)
        assert response.status_code == 503
        error = error_of(response)
        assert error["code"] == "SERVICE_UNAVAILABLE"
        export_id = error["details"]["export_id"]
        export = (await api.get(f"/v1/exports/{export_id}", headers=member.headers)).json()
        assert export["status"] == "failed"
        assert "queue was unavailable" in export["error"]
    assert len(down.calls) == 4
