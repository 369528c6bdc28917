"""The client address of per-IP rate limits, through the real servers the API runs on.

The app alone decides whether ``X-Forwarded-For`` is believed (only from ``TRUSTED_PROXIES``):
neither uvicorn (``just dev``) nor granian (the production images and units) may rewrite the
client address from that header, or any client connecting from 127.0.0.1 could rotate it to
escape its limit.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.live import CLIENT_TIMEOUT, SERVERS, LiveStack, open_stack
from tests.support import error_of

pytestmark = [pytest.mark.slow]

LIMIT = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    live = open_stack(tmp_path_factory.mktemp("client-address"))
    try:
        yield live
    finally:
        live.close()


def _statuses(stack: LiveStack, server: str, **env: str) -> list[int]:
    """Anonymous requests from 127.0.0.1, each claiming another client in X-Forwarded-For."""
    stack.redis_client().flushdb()
    api = stack.start_api(server=server, RATE_LIMIT_PER_MINUTE=str(LIMIT), **env)
    try:
        with httpx.Client(base_url=api.base_url, timeout=CLIENT_TIMEOUT) as client:
            responses = [
                client.get("/v1/nowhere", headers={"X-Forwarded-For": f"198.51.100.{index}"})
                for index in range(LIMIT + 2)
            ]
    finally:
        api.stop()
    for response in responses:
        if response.status_code == 429:
            assert error_of(response)["code"] == "RATE_LIMITED"
    return [response.status_code for response in responses]


@pytest.mark.parametrize("server", SERVERS)
def test_a_rotated_forwarded_for_does_not_escape_the_limit_without_trusted_proxies(
    stack: LiveStack, server: str
) -> None:
    assert _statuses(stack, server) == [404] * LIMIT + [429, 429]


@pytest.mark.parametrize("server", SERVERS)
def test_forwarded_for_is_believed_from_a_trusted_proxy(stack: LiveStack, server: str) -> None:
    assert _statuses(stack, server, TRUSTED_PROXIES="127.0.0.1") == [404] * (LIMIT + 2)
