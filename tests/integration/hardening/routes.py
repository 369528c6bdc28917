"""The app's route table, as the authorisation matrix and the OpenAPI checks enumerate it."""

from __future__ import annotations

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

Route = tuple[str, str, HTTPRouteHandler]


def route_table(app: Litestar, *, documented_only: bool = False) -> list[Route]:
    """Every (method, path template, handler) the app serves, the interactive docs aside; with
    ``documented_only``, only those in the OpenAPI document (not the ``/users/me/...`` aliases)."""
    table: list[Route] = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_format.startswith("/schema"):
            continue
        for handler in route.route_handlers:
            if documented_only and not handler.resolve_include_in_schema():
                continue
            for method in sorted(handler.http_methods):
                if method not in ("HEAD", "OPTIONS"):
                    table.append((method, route.path_format, handler))
    return sorted(table, key=lambda item: (item[1], item[0]))


def is_public(handler: HTTPRouteHandler) -> bool:
    return bool(handler.opt.get("public"))
