"""The cached movie detail is sent as stored: the same document, headers and ETag/304 as the
uncached answer, never a stale or corrupt one."""

from __future__ import annotations

import httpx
from prometheus_client import REGISTRY

from app.kernel import runtime
from app.kernel.cache import PREFIX
from tests.integration.accounts import Account
from tests.integration.catalog.test_movies_helpers import References, create_movie, refs

__all__ = ["refs"]  # fixtures used here


def detail_hits() -> float:
    return REGISTRY.get_sample_value("marquee_cache_requests_total", {"namespace": "movie", "result": "hit"}) or 0.0


async def test_a_cached_detail_is_the_same_answer(api: httpx.AsyncClient, member: Account, refs: References) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    first = await api.get(url, headers=member.headers)  # a miss: read from MongoDB, then cached
    hits = detail_hits()
    cached = await api.get(url, headers=member.headers)
    assert detail_hits() == hits + 1
    assert cached.status_code == 200
    assert cached.json() == first.json() == movie
    assert cached.headers["content-type"] == "application/json"
    assert cached.headers["etag"] == first.headers["etag"] == '"1"'
    for name in ("x-request-id", "x-content-type-options", "content-security-policy", "ratelimit-remaining"):
        assert name in cached.headers, name

    not_modified = await api.get(url, headers={**member.headers, "If-None-Match": '"1"'})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == '"1"'
    assert detail_hits() == hits + 2


async def test_an_edit_is_never_answered_from_the_old_cache(
    api: httpx.AsyncClient, member: Account, refs: References
) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    for _ in range(2):
        assert (await api.get(url, headers=member.headers)).json()["version"] == 1
    await api.patch(url, json={"title": "Moana!"}, headers=member.headers)
    for _ in range(2):
        response = await api.get(url, headers={**member.headers, "If-None-Match": '"1"'})
        assert response.status_code == 200
        assert response.headers["etag"] == '"2"'
        assert response.json()["title"] == "Moana!"


async def test_a_corrupt_cache_entry_is_not_served(api: httpx.AsyncClient, member: Account, refs: References) -> None:
    movie = await create_movie(api, member, refs)
    url = f"/v1/movies/{movie['id']}"
    await api.get(url, headers=member.headers)
    redis = runtime.current().redis
    keys = [key async for key in redis.scan_iter(f"{PREFIX}:movie:*{movie['id']}*")]
    assert keys
    for garbage in ("[]", "not json"):
        for key in keys:
            await redis.set(key, garbage)
        response = await api.get(url, headers=member.headers)
        assert response.status_code == 200
        assert response.json() == movie
        assert response.headers["etag"] == '"1"'


def page_hits() -> float:
    labels = {"namespace": "movie-list", "result": "hit"}
    return REGISTRY.get_sample_value("marquee_cache_requests_total", labels) or 0.0


async def test_a_cached_listing_page_is_the_same_answer_until_a_write(
    api: httpx.AsyncClient, member: Account, refs: References
) -> None:
    await create_movie(api, member, refs, "Moana")
    await create_movie(api, member, refs, "Brave")
    first = await api.get("/v1/movies", headers=member.headers)  # a miss: read, then cached
    hits = page_hits()
    cached = await api.get("/v1/movies", headers=member.headers)
    assert page_hits() == hits + 1
    assert cached.status_code == 200
    assert cached.headers["content-type"] == "application/json"
    assert cached.json() == first.json()
    assert cached.json()["total"] == 2

    await create_movie(api, member, refs, "Coco")
    fresh = await api.get("/v1/movies", headers=member.headers)
    assert fresh.json()["total"] == 3
    assert {item["title"] for item in fresh.json()["data"]} == {"Moana", "Brave", "Coco"}
