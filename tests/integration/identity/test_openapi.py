"""Every identity route documents its statuses and, when protected, the bearer security."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

PUBLIC = {
    ("post", "/v1/auth/register"),
    ("post", "/v1/auth/login"),
    ("post", "/v1/auth/refresh"),
    ("post", "/v1/auth/activate"),
    ("post", "/v1/auth/password-reset"),
    ("post", "/v1/auth/password-reset/confirm"),
}
EXPECTED = {
    ("post", "/v1/auth/register"): {"201", "400", "409", "413", "415", "422", "429"},
    ("post", "/v1/auth/login"): {"200", "400", "401", "413", "415", "422", "429"},
    ("post", "/v1/auth/refresh"): {"200", "400", "401", "413", "415", "422", "429"},
    ("post", "/v1/auth/logout"): {"204", "401", "429"},
    ("post", "/v1/auth/activate"): {"200", "400", "413", "415", "422", "429"},
    ("post", "/v1/auth/password-reset"): {"202", "400", "413", "415", "422", "429"},
    ("post", "/v1/auth/password-reset/confirm"): {"204", "400", "413", "415", "422", "429"},
    ("get", "/v1/users"): {"200", "400", "401", "403", "422", "429"},
    ("get", "/v1/users/me"): {"200", "401", "429"},
    ("patch", "/v1/users/me"): {"200", "400", "401", "403", "409", "413", "415", "422", "429"},
    ("put", "/v1/users/me/password"): {"204", "400", "401", "403", "413", "415", "422", "429"},
    ("get", "/v1/users/{user_id}"): {"200", "400", "401", "404", "429"},
    ("put", "/v1/users/{user_id}/roles"): {"200", "400", "401", "403", "404", "413", "415", "422", "429"},
}


@pytest.fixture(scope="module")
def paths(app: Litestar) -> dict[str, Any]:
    return dict(app.openapi_schema.to_schema()["paths"])


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_route_documents_statuses_and_security(paths: dict[str, Any], method: str, path: str) -> None:
    operation = paths[path][method]
    # the kernel documents 500 and 503 on every route (app/kernel/openapi.py)
    assert set(operation["responses"]) == EXPECTED[(method, path)] | {"500", "503"}
    for status, response in operation["responses"].items():
        if int(status) >= 400:  # every error is documented in the envelope, not Litestar's own shape
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert operation.get("summary")
    if (method, path) in PUBLIC:
        assert not operation.get("security")
    else:
        assert operation["security"] == [{"BearerToken": []}]


def test_token_responses_are_no_store(paths: dict[str, Any]) -> None:
    for path in ("/v1/auth/login", "/v1/auth/refresh"):
        headers = paths[path]["post"]["responses"]["200"].get("headers", {})
        assert "cache-control" in {name.lower() for name in headers}, path
