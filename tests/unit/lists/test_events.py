"""The catalog event listeners ignore malformed payloads instead of failing the publisher."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from modules.lists.events import movie_availability_changed, movie_deleted


@pytest.mark.parametrize("payload", [{}, {"movie_id": 42}, {"movie_id": "not-an-id"}])
async def test_movie_deleted_ignores_malformed_payloads(api: httpx.AsyncClient, payload: dict[str, Any]) -> None:
    await movie_deleted(payload)


@pytest.mark.parametrize(
    "payload",
    [{}, {"movie_id": "64b000000000000000000000"}, {"movie_id": "x", "countries": ["US"]}, {"countries": "US"}],
)
async def test_availability_changed_ignores_malformed_payloads(api: httpx.AsyncClient, payload: dict[str, Any]) -> None:
    await movie_availability_changed(payload)
