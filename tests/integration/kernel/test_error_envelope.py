"""Every layer answers in the one error envelope: 400/401/404/405/413/415/422/500/503."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, JSONBody
from pydantic import BaseModel, ConfigDict, Field
from pymongo.errors import ServerSelectionTimeoutError

from app.kernel.errors import Unauthenticated
from app.kernel.modules import ModuleSpec
from app.kernel.pagination import Page, PageParams, provide_page_params
from app.kernel.settings import Settings
from tests.support import asgi_transport, error_of


class ProbeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=20)
    count: int = Field(ge=0)


@post("/probe/items")
async def create_item(data: JSONBody[ProbeCreate]) -> dict[str, Any]:
    return data.model_dump()


@get("/probe/boom")
async def boom() -> None:
    raise RuntimeError("secret internals: mongodb://user:hunter2@db")


@get("/probe/db-down")
async def db_down() -> None:
    raise ServerSelectionTimeoutError("no servers")


@get("/probe/private")
async def private() -> None:
    raise Unauthenticated()


@get("/probe/paged", dependencies={"paging": Provide(provide_page_params, sync_to_thread=False)})
async def paged(paging: NamedDependency[PageParams]) -> Page[int]:
    numbers = list(range(1, 46))
    return Page[int](
        data=numbers[paging.skip : paging.skip + paging.limit],
        page=paging.page,
        page_size=paging.page_size,
        total=len(numbers),
    )


@get("/probe/needs-query")
async def needs_query(country: FromQuery[str]) -> dict[str, str]:
    return {"country": country}


PROBE = ModuleSpec(name="probe", route_handlers=[create_item, boom, db_down, private, paged, needs_query])


@pytest.fixture(scope="module")
async def probe(settings: Settings, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The probe app shares the session runtime (opened by ``client``) for its rate limiter."""
    from app.factory import create_app

    app = create_app(settings, modules=[PROBE])
    # No lifespan: these routes need no database, and the session runtime stays untouched.
    transport = asgi_transport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
        yield client


async def test_malformed_json_is_400(probe: httpx.AsyncClient) -> None:
    response = await probe.post(
        "/v1/probe/items", content=b'{"name": "x", ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "BAD_REQUEST"


async def test_wrong_content_type_is_415(probe: httpx.AsyncClient) -> None:
    response = await probe.post("/v1/probe/items", content=b"name=x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert error_of(response)["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_validation_error_is_422_with_fields(probe: httpx.AsyncClient) -> None:
    response = await probe.post("/v1/probe/items", json={"name": "", "count": -1})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert {item["field"] for item in error["details"]["fields"]} == {"name", "count"}
    assert all(item["message"] for item in error["details"]["fields"])


async def test_unknown_body_field_is_422(probe: httpx.AsyncClient) -> None:
    response = await probe.post("/v1/probe/items", json={"name": "x", "count": 1, "is_admin": True})
    assert response.status_code == 422
    assert error_of(response)["details"]["fields"][0]["field"] == "is_admin"


async def test_operator_object_in_string_field_is_422(probe: httpx.AsyncClient) -> None:
    response = await probe.post("/v1/probe/items", json={"name": {"$ne": None}, "count": 1})
    assert response.status_code == 422
    assert error_of(response)["details"]["fields"][0]["field"] == "name"


async def test_valid_body_passes(probe: httpx.AsyncClient) -> None:
    response = await probe.post("/v1/probe/items", json={"name": "x", "count": 2})
    assert response.status_code == 201
    assert response.json() == {"name": "x", "count": 2}


@pytest.mark.parametrize("size", [1024 * 1024 + 1, 11 * 1024 * 1024])
async def test_oversized_body_is_413(probe: httpx.AsyncClient, size: int) -> None:
    body = b'{"name": "' + b"x" * size + b'", "count": 1}'
    response = await probe.post("/v1/probe/items", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert error_of(response)["code"] == "PAYLOAD_TOO_LARGE"


async def test_unknown_route_is_404(probe: httpx.AsyncClient) -> None:
    response = await probe.get("/v1/definitely-not-here")
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_FOUND"


async def test_wrong_method_is_405(probe: httpx.AsyncClient) -> None:
    response = await probe.put("/healthz")
    assert response.status_code == 405
    assert error_of(response)["code"] == "METHOD_NOT_ALLOWED"


async def test_unauthenticated_is_401_with_challenge(probe: httpx.AsyncClient) -> None:
    response = await probe.get("/v1/probe/private")
    assert response.status_code == 401
    assert error_of(response)["code"] == "UNAUTHENTICATED"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_unexpected_exception_is_500_without_internals(probe: httpx.AsyncClient) -> None:
    response = await probe.get("/v1/probe/boom")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "INTERNAL_ERROR"
    assert "secret" not in response.text and "hunter2" not in response.text and "Traceback" not in response.text
    # the process keeps serving
    assert (await probe.get("/healthz")).status_code == 200


async def test_database_failure_is_503(probe: httpx.AsyncClient) -> None:
    response = await probe.get("/v1/probe/db-down")
    assert response.status_code == 503
    assert error_of(response)["code"] == "SERVICE_UNAVAILABLE"


async def test_paged_envelope_and_defaults(probe: httpx.AsyncClient) -> None:
    body = (await probe.get("/v1/probe/paged")).json()
    assert body == {"data": list(range(1, 21)), "page": 1, "page_size": 20, "total": 45}
    past_end = (await probe.get("/v1/probe/paged", params={"page": 9, "page_size": 10})).json()
    assert past_end == {"data": [], "page": 9, "page_size": 10, "total": 45}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 101}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
    ],
)
async def test_page_params_out_of_range_are_422(probe: httpx.AsyncClient, params: dict[str, Any], field: str) -> None:
    response = await probe.get("/v1/probe/paged", params=params)
    assert response.status_code == 422
    assert error_of(response)["details"]["fields"][0]["field"] == field


async def test_request_id_is_echoed_or_generated(probe: httpx.AsyncClient) -> None:
    echoed = await probe.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    generated = await probe.get("/v1/nowhere")
    assert len(generated.headers["X-Request-ID"]) == 32
    hostile = await probe.get("/healthz", headers={"X-Request-ID": "bad\tvalue" + "x" * 300})
    assert hostile.headers["X-Request-ID"] != "bad\tvalue" + "x" * 300


async def test_missing_required_query_parameter_is_422(probe: httpx.AsyncClient) -> None:
    response = await probe.get("/v1/probe/needs-query")
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"]["fields"][0]["field"] == "country"
    assert (await probe.get("/v1/probe/needs-query", params={"country": "US"})).json() == {"country": "US"}
