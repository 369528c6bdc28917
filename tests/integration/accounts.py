"""Accounts for integration tests, built through the API (and the identity service for roles)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

from app.kernel import runtime
from modules.identity.services import AuthState, UserService

_counter = itertools.count(1)


@dataclass
class Account:
    id: str
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def login(api: httpx.AsyncClient, username: str, password: str) -> dict[str, Any]:
    response = await api.post("/v1/auth/login", json={"login": username, "password": password})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def create_account(
    api: httpx.AsyncClient, username: str | None = None, *, admin: bool = False, **extra: object
) -> Account:
    username = username or f"user{next(_counter)}"
    password = f"pw-{username}-2026"
    response = await api.post("/v1/auth/register", json={"username": username, "password": password, **extra})
    assert response.status_code == 201, response.text
    user_id = response.json()["id"]
    if admin:
        await UserService(runtime.current().settings).set_roles(user_id, ["admin"])
        await AuthState(runtime.current().redis).forget_user(user_id)
    tokens = await login(api, username, password)
    return Account(user_id, username, password, tokens["access_token"], tokens["refresh_token"])
