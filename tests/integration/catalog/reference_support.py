"""Shared builders of the reference-data tests (no tests here). ``MISSING_ID``,
``validation_fields`` and the ``reader`` fixture come from ``test_movies_helpers``."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.accounts import Account

MALFORMED_IDS = ["abc", "0123456789abcdef0123456z", "0123456789abcdef012345678", "%20"]

SEARCH_NAMES = [
    "Amélie Poulain",
    "Ameer Sultan",
    "Francis Ford Coppola",
    "Sofia Coppola",
    "Will Smith",
    "Jean-Pierre Jeunet",
    "Zoë Kravitz",
    "Apichatpong Weerasethakul",
]


async def create_person(
    api: httpx.AsyncClient, account: Account, resource: str, name: str, date_of_birth: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if date_of_birth is not None:
        body["date_of_birth"] = date_of_birth
    response = await api.post(f"/v1/{resource}", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())
