"""The served OpenAPI document names, for every operation, the statuses the kernel can answer,
every error in the envelope, and the bearer security on exactly the protected routes."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar

from tests.integration.hardening.routes import is_public, route_table

ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}


async def _document(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/schema/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    ]


async def test_every_operation_documents_the_kernel_statuses(api: httpx.AsyncClient) -> None:
    operations = _operations(await _document(api))
    assert len(operations) >= 50
    for method, path, operation in operations:
        statuses = set(operation["responses"])
        label = f"{method} {path}"
        assert "500" in statuses, label
        if path.startswith("/v1/"):
            assert {"429", "503"} <= statuses, label
            assert "Retry-After" in operation["responses"]["429"]["headers"], label
        if operation.get("security"):
            assert "401" in statuses, label
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], label
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= statuses, label


async def test_every_error_is_documented_in_the_envelope(api: httpx.AsyncClient) -> None:
    for method, path, operation in _operations(await _document(api)):
        for status, response in operation["responses"].items():
            if int(status) < 400 or (path, status) == ("/readyz", "503"):
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == ENVELOPE, (method, path, status, schema)


async def test_security_is_documented_on_exactly_the_protected_routes(api: httpx.AsyncClient, app: Litestar) -> None:
    document = await _document(api)
    for method, path, handler in route_table(app, documented_only=True):
        operation = document["paths"][path][method.lower()]
        if is_public(handler):
            assert not operation.get("security"), (method, path)
        else:
            assert operation.get("security") == [{"BearerToken": []}], (method, path)
