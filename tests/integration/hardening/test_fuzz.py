"""Schemathesis (v4) fuzzes every operation of the app's own OpenAPI document.

The document is the one the app serves; requests go to a live API process (tests/e2e/live.py)
with an authenticated member's token, so the session's runtime is untouched. Path parameters
are real ids for about half of the cases (a movie, genre, director, actor, country, user and
export that exist), so success responses are checked too, not only 404s. Bounded examples and a
derandomized (fixed-seed) Hypothesis run; 0 failures of: no server error, documented status
codes, response bodies matching their schemas, documented content types.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (  # registered checks, resolved by name
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.live import CLIENT_TIMEOUT, LiveStack, account, open_stack

pytestmark = [pytest.mark.slow]

MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]


@dataclass
class FuzzTarget:
    stack: LiveStack
    base_url: str
    headers: dict[str, str]
    ids: dict[str, str]


def _seed(client: httpx.Client, stack: LiveStack) -> tuple[dict[str, str], dict[str, str]]:
    """A member (whose token the fuzzer uses) and one of each resource the paths name."""
    root = account(client, stack, "root", admin=True)
    member = account(client, stack, "alice")

    def created(path: str, body: dict[str, Any], headers: dict[str, str], status: int = 201) -> dict[str, Any]:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == status, response.text
        return dict(response.json())

    genre = created("/v1/genres", {"name": "Drama"}, root.headers)
    created("/v1/countries", {"code": "US", "name": "United States"}, root.headers)
    director = created("/v1/directors", {"name": "Greta Gerwig"}, member.headers)
    actor = created("/v1/actors", {"name": "Saoirse Ronan"}, member.headers)
    movie = created(
        "/v1/movies",
        {
            "title": "Little Women",
            "year": 2019,
            "runtime_minutes": 135,
            "genre_ids": [genre["id"]],
            "director_id": director["id"],
            "cast": [{"actor_id": actor["id"], "character": "Jo March"}],
            "countries": ["US"],
        },
        member.headers,
    )
    rated = client.put(f"/v1/movies/{movie['id']}/rating", json={"score": 9}, headers=member.headers)
    assert rated.status_code == 201, rated.text
    created(f"/v1/users/{member.id}/favorites", {"movie_id": movie["id"]}, member.headers)
    export = created("/v1/exports", {"resource": "movies", "format": "csv"}, member.headers, status=202)
    ids = {
        "movie_id": movie["id"],
        "genre_id": genre["id"],
        "director_id": director["id"],
        "actor_id": actor["id"],
        "code": "US",
        "user_id": member.id,
        "export_id": export["id"],
    }
    return member.headers, ids


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    stack = open_stack(tmp_path_factory.mktemp("fuzz"))
    try:
        api = stack.start_api(LOG_LEVEL="WARNING")
        with httpx.Client(base_url=api.base_url, timeout=CLIENT_TIMEOUT) as client:
            served = client.get("/schema/openapi.json")
            assert served.status_code == 200
            assert served.json() == DOCUMENT, "the fuzzer must use the document the app serves"
            headers, ids = _seed(client, stack)
        REAL_IDS.update(ids)
        yield FuzzTarget(stack, api.base_url, headers, ids)
    finally:
        REAL_IDS.clear()
        stack.close()


def _document() -> dict[str, Any]:
    """The OpenAPI document the app serves at /schema/openapi.json (built without any I/O)."""
    from app.factory import create_app
    from app.kernel.settings import Settings

    document = create_app(Settings(app_env="test", jwt_secret="x" * 48)).openapi_schema.to_schema()
    return dict(json.loads(json.dumps(document)))


DOCUMENT = _document()
# ids that exist on the live server, filled in by the ``fuzz_target`` fixture
REAL_IDS: dict[str, str] = {}

# logging out would revoke the token every later case uses; the authorisation matrix covers it
schema = schemathesis.openapi.from_dict(DOCUMENT).exclude(method="POST", path="/v1/auth/logout")


@schema.hook
def map_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    """About half of the generated ids are swapped for ids that exist (deterministically)."""
    if not path_parameters:
        return path_parameters
    for name, value in list(path_parameters.items()):
        real = REAL_IDS.get(name)
        if real is not None and zlib.crc32(repr(value).encode()) % 2 == 0:
            path_parameters[name] = real
    return path_parameters


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms(case: Any, fuzz_target: FuzzTarget) -> None:
    case.call_and_validate(base_url=fuzz_target.base_url, headers=fuzz_target.headers, checks=CHECKS, timeout=30)
