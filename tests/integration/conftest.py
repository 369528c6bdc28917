"""Integration fixtures: accounts with tokens (member, another member, admin)."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.accounts import Account, create_account


@pytest.fixture
async def member(api: httpx.AsyncClient) -> Account:
    return await create_account(api, "alice")


@pytest.fixture
async def other_member(api: httpx.AsyncClient) -> Account:
    return await create_account(api, "bob")


@pytest.fixture
async def admin(api: httpx.AsyncClient) -> Account:
    return await create_account(api, "root", admin=True)
