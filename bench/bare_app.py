"""The framework's ceiling on this machine: a bare Litestar app with one route returning a
constant JSON body, served exactly like the API (``granian --interface asgi --factory``)."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get

BODY: dict[str, Any] = {"id": "6955b90004c894520000037d", "title": "The Distant Lantern", "year": 2025}


@get("/bare", sync_to_thread=False)
def bare() -> dict[str, Any]:
    return BODY


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    return Litestar(route_handlers=[bare, healthz], debug=False, logging_config=None)
