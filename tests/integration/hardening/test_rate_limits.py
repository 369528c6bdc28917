"""Rate limits shared through Redis, per user / per IP, the strict auth bucket, proxies; CORS;
security headers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from litestar import Litestar

from app.kernel.ratelimit import client_ip, parse_networks
from app.kernel.settings import Settings
from tests.integration.accounts import Account
from tests.support import asgi_transport, error_of


def _app(settings: Settings, **overrides: object) -> Litestar:
    from app.factory import create_app

    return create_app(settings.model_copy(update=overrides))


def _client(app: Litestar, peer: str = "203.0.113.7") -> httpx.AsyncClient:
    transport = asgi_transport(app=app, raise_app_exceptions=False, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


@pytest.fixture
async def limited(api: httpx.AsyncClient, settings: Settings) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """Factory of clients on apps with small limits (sharing the session's Redis)."""
    clients: list[httpx.AsyncClient] = []

    def make(peer: str = "203.0.113.7", **overrides: object) -> httpx.AsyncClient:
        limits: dict[str, object] = {"rate_limit_per_minute": 5, "auth_rate_limit_per_minute": 3}
        client = _client(_app(settings, **{**limits, **overrides}), peer)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_headers_on_every_response_and_429_envelope(limited: Callable[..., httpx.AsyncClient]) -> None:
    client = limited()
    for expected_remaining in (4, 3, 2, 1, 0):
        response = await client.get("/v1/nowhere")
        assert response.headers["RateLimit-Limit"] == "5"
        assert response.headers["RateLimit-Remaining"] == str(expected_remaining)
        assert 1 <= int(response.headers["RateLimit-Reset"]) <= 60
    refused = await client.get("/v1/nowhere")
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-Request-ID"]
    # operations endpoints are never limited
    assert (await client.get("/healthz")).status_code == 200


async def test_concurrent_requests_are_counted_atomically(limited: Callable[..., httpx.AsyncClient]) -> None:
    first, second = limited(rate_limit_per_minute=10), limited(rate_limit_per_minute=10)  # two "processes"
    responses = await asyncio.gather(*(client.get("/v1/nowhere") for client in (first, second) for _ in range(10)))
    statuses = [response.status_code for response in responses]
    assert statuses.count(429) == 10
    assert statuses.count(404) == 10


async def test_auth_endpoints_have_a_stricter_shared_bucket(limited: Callable[..., httpx.AsyncClient]) -> None:
    client = limited()
    attempts = [
        await client.post("/v1/auth/login", json={"login": "nobody", "password": "whatever1"}) for _ in range(3)
    ]
    assert [r.status_code for r in attempts] == [401, 401, 401]
    assert attempts[0].headers["RateLimit-Limit"] == "3"
    blocked = await client.post("/v1/auth/register", json={"username": "someone", "password": "abcdefg1"})
    assert blocked.status_code == 429
    # another client IP has its own bucket
    other = limited(peer="198.51.100.9")
    assert (await other.post("/v1/auth/login", json={"login": "x", "password": "whatever1"})).status_code == 401


async def test_authenticated_requests_count_per_user(
    limited: Callable[..., httpx.AsyncClient], member: Account, other_member: Account
) -> None:
    client = limited()
    for _ in range(5):
        assert (await client.get("/v1/users/me", headers=member.headers)).status_code == 200
    assert (await client.get("/v1/users/me", headers=member.headers)).status_code == 429
    # same IP, other user: separate bucket
    assert (await client.get("/v1/users/me", headers=other_member.headers)).status_code == 200


async def test_rotating_forwarded_for_does_not_reset_the_limit(limited: Callable[..., httpx.AsyncClient]) -> None:
    untrusted = limited()
    for i in range(5):
        await untrusted.get("/v1/nowhere", headers={"X-Forwarded-For": f"10.0.0.{i}"})
    blocked = await untrusted.get("/v1/nowhere", headers={"X-Forwarded-For": "10.0.0.99"})
    assert blocked.status_code == 429

    proxied = limited(peer="127.0.0.1", trusted_proxies=["127.0.0.1"])
    for _ in range(5):
        await proxied.get("/v1/nowhere", headers={"X-Forwarded-For": "192.0.2.10"})
    assert (await proxied.get("/v1/nowhere", headers={"X-Forwarded-For": "192.0.2.10"})).status_code == 429
    # a spoofed left-most hop does not help: the right-most untrusted address is the client
    spoofed = await proxied.get("/v1/nowhere", headers={"X-Forwarded-For": "1.2.3.4, 192.0.2.10"})
    assert spoofed.status_code == 429
    assert (await proxied.get("/v1/nowhere", headers={"X-Forwarded-For": "192.0.2.11"})).status_code == 404


def test_client_ip_resolution() -> None:
    trusted = parse_networks(["10.0.0.0/8", "127.0.0.1"])
    scope = {"client": ("10.1.2.3", 1), "headers": [(b"x-forwarded-for", b"6.6.6.6, 198.51.100.1, 10.0.0.5")]}
    assert client_ip(scope, trusted) == "198.51.100.1"  # type: ignore[arg-type]
    assert client_ip({"client": ("203.0.113.1", 1), "headers": scope["headers"]}, trusted) == "203.0.113.1"  # type: ignore[arg-type]
    assert client_ip({"client": ("10.1.2.3", 1), "headers": []}, trusted) == "10.1.2.3"  # type: ignore[arg-type]
    assert client_ip({"client": ("10.1.2.3", 1), "headers": [(b"x-forwarded-for", b"garbage")]}, trusted) == "10.1.2.3"  # type: ignore[arg-type]


async def test_cors_only_for_allowed_origins(limited: Callable[..., httpx.AsyncClient]) -> None:
    client = limited(cors_allow_origins=["https://app.example.com"], rate_limit_per_minute=100)
    allowed = await client.options(
        "/v1/movies",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert allowed.headers.get("access-control-allow-origin") == "https://app.example.com"
    denied = await client.get("/healthz", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in denied.headers
    closed = limited(rate_limit_per_minute=100)
    response = await closed.get("/healthz", headers={"Origin": "https://app.example.com"})
    assert "access-control-allow-origin" not in response.headers


async def test_security_headers_and_trace(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.get("/healthz")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    listing = await api.get("/v1/movies", headers={**member.headers, "X-Request-ID": "req-1"})
    expected = {
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "x-frame-options": "DENY",
        "cross-origin-resource-policy": "same-origin",
        "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
        "x-request-id": "req-1",
    }
    for name, value in expected.items():
        assert listing.headers.get_list(name) == [value], name
    for name in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"):
        assert len(listing.headers.get_list(name)) == 1, name
    # the interactive docs load their own scripts: no API policy there, the other headers as everywhere
    docs = await api.get("/schema")
    assert "content-security-policy" not in docs.headers
    assert docs.headers.get_list("x-frame-options") == ["DENY"]
    trace = await api.request("TRACE", "/healthz")
    assert trace.status_code == 405
    assert error_of(trace)["code"] == "METHOD_NOT_ALLOWED"
