"""An operator object (``{"$ne": null}``) in any body field of the public auth routes is a 422."""

from __future__ import annotations

import httpx
import pytest

from tests.support import error_of

INJECTION = {"$ne": None}
VALID = {
    "/v1/auth/register": {
        "username": "neo",
        "password": "matrix1999",
        "email": "neo@example.com",
        "phone": "+15550001111",
        "display_name": "Neo",
        "date_of_birth": "1964-09-02",
    },
    "/v1/auth/login": {"login": "neo", "password": "matrix1999"},
    "/v1/auth/refresh": {"refresh_token": "x"},
    "/v1/auth/activate": {"token": "x"},
    "/v1/auth/password-reset": {"email": "neo@example.com"},
    "/v1/auth/password-reset/confirm": {"token": "x", "new_password": "matrix2000"},
}
CASES = [(path, field) for path, body in VALID.items() for field in body]


@pytest.mark.parametrize(("path", "field"), CASES)
async def test_operator_objects_are_rejected(api: httpx.AsyncClient, path: str, field: str) -> None:
    response = await api.post(path, json={**VALID[path], field: INJECTION})
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [item["field"] for item in error["details"]["fields"]]
