"""Reference data through HTTP: genres and countries (admin-managed); every route, every error
code, and the paging validation of every reference list."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.integration.accounts import Account
from tests.integration.catalog.reference_support import MALFORMED_IDS
from tests.integration.catalog.test_movies_helpers import MISSING_ID, validation_fields
from tests.support import error_of

# --- genres -----------------------------------------------------------------------------------


async def create_genre(api: httpx.AsyncClient, admin: Account, name: str) -> dict[str, Any]:
    response = await api.post("/v1/genres", json={"name": name}, headers=admin.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_genre_create_get_and_list_sorted_case_insensitively(
    api: httpx.AsyncClient, admin: Account, member: Account
) -> None:
    response = await api.post("/v1/genres", json={"name": "  drama "}, headers=admin.headers)
    assert response.status_code == 201
    drama = response.json()
    assert set(drama) == {"id", "name"}
    assert drama["name"] == "drama"
    assert response.headers["location"] == f"/v1/genres/{drama['id']}"
    for name in ("Comedy", "animation", "Biography"):
        await create_genre(api, admin, name)

    fetched = await api.get(f"/v1/genres/{drama['id']}", headers=member.headers)
    assert fetched.status_code == 200
    assert fetched.json() == drama

    listed = await api.get("/v1/genres", headers=member.headers)
    assert listed.status_code == 200
    body = listed.json()
    assert [genre["name"] for genre in body["data"]] == ["animation", "Biography", "Comedy", "drama"]
    assert (body["page"], body["page_size"], body["total"]) == (1, 20, 4)

    second = (await api.get("/v1/genres?page=2&page_size=3", headers=member.headers)).json()
    assert [genre["name"] for genre in second["data"]] == ["drama"]
    assert (second["page"], second["page_size"], second["total"]) == (2, 3, 4)
    past = (await api.get("/v1/genres?page=3&page_size=3", headers=member.headers)).json()
    assert past["data"] == []
    assert past["total"] == 4


async def test_genre_names_are_unique_case_insensitively(api: httpx.AsyncClient, admin: Account) -> None:
    await create_genre(api, admin, "Science Fiction")
    for clash in ("science fiction", "SCIENCE FICTION", "  Science   Fiction  "):
        response = await api.post("/v1/genres", json={"name": clash}, headers=admin.headers)
        assert response.status_code == 409, clash
        assert error_of(response)["code"] == "GENRE_EXISTS"
    total = (await api.get("/v1/genres", headers=admin.headers)).json()["total"]
    assert total == 1


async def test_concurrent_genre_creation_yields_exactly_one(api: httpx.AsyncClient, admin: Account) -> None:
    """Uniqueness is the unique index's job: no read-then-write window."""
    responses = await asyncio.gather(
        *(api.post("/v1/genres", json={"name": name}, headers=admin.headers) for name in ("Noir", "NOIR", "noir"))
    )
    assert sorted(response.status_code for response in responses) == [201, 409, 409]
    assert (await api.get("/v1/genres", headers=admin.headers)).json()["total"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"name": 12}, "name"),
        ({"name": {"$gt": ""}}, "name"),
        ({}, "name"),
        ({"name": "Western", "id": "0123456789abcdef01234567"}, "id"),
    ],
)
async def test_genre_validation(api: httpx.AsyncClient, admin: Account, body: dict[str, Any], field: str) -> None:
    response = await api.post("/v1/genres", json=body, headers=admin.headers)
    assert field in validation_fields(response)


async def test_genre_name_of_50_characters_is_accepted(api: httpx.AsyncClient, admin: Account) -> None:
    assert (await create_genre(api, admin, "é" * 50))["name"] == "é" * 50


async def test_only_admins_create_genres(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.post("/v1/genres", json={"name": "Horror"}, headers=member.headers)
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"
    anonymous = await api.post("/v1/genres", json={"name": "Horror"})
    assert anonymous.status_code == 401
    assert error_of(anonymous)["code"] == "UNAUTHENTICATED"
    assert (await api.get("/v1/genres", headers=member.headers)).json()["total"] == 0


async def test_genre_reads_need_a_token(api: httpx.AsyncClient) -> None:
    for path in ("/v1/genres", f"/v1/genres/{MISSING_ID}"):
        response = await api.get(path)
        assert response.status_code == 401
        assert error_of(response)["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("genre_id", [MISSING_ID, *MALFORMED_IDS])
async def test_unknown_or_malformed_genre_is_404(api: httpx.AsyncClient, member: Account, genre_id: str) -> None:
    response = await api.get(f"/v1/genres/{genre_id}", headers=member.headers)
    assert response.status_code == 404
    assert error_of(response)["code"] == "GENRE_NOT_FOUND"


@pytest.mark.parametrize("resource", ["genres", "countries", "directors", "actors"])
@pytest.mark.parametrize(("query", "field"), [("page=0", "page"), ("page_size=101", "page_size"), ("page=x", "page")])
async def test_list_paging_is_validated(
    api: httpx.AsyncClient, member: Account, resource: str, query: str, field: str
) -> None:
    response = await api.get(f"/v1/{resource}?{query}", headers=member.headers)
    assert field in validation_fields(response)


# --- countries --------------------------------------------------------------------------------


async def test_country_create_get_and_list_by_code(api: httpx.AsyncClient, admin: Account, member: Account) -> None:
    response = await api.post("/v1/countries", json={"code": "us", "name": "United States"}, headers=admin.headers)
    assert response.status_code == 201
    assert response.json() == {"code": "US", "name": "United States"}
    assert response.headers["location"] == "/v1/countries/US"
    for code, name in (("UA", "Ukraine"), ("BR", "Brazil"), ("FR", "France")):
        created = await api.post("/v1/countries", json={"code": code, "name": name}, headers=admin.headers)
        assert created.status_code == 201

    for path_code in ("US", "us", "Us"):
        fetched = await api.get(f"/v1/countries/{path_code}", headers=member.headers)
        assert fetched.status_code == 200
        assert fetched.json() == {"code": "US", "name": "United States"}

    body = (await api.get("/v1/countries", headers=member.headers)).json()
    assert [country["code"] for country in body["data"]] == ["BR", "FR", "UA", "US"]
    assert body["total"] == 4
    page = (await api.get("/v1/countries?page=2&page_size=3", headers=member.headers)).json()
    assert page["data"] == [{"code": "US", "name": "United States"}]


async def test_country_code_is_unique(api: httpx.AsyncClient, admin: Account) -> None:
    assert (await api.post("/v1/countries", json={"code": "DE", "name": "Germany"}, headers=admin.headers)).is_success
    for code in ("DE", "de"):
        response = await api.post("/v1/countries", json={"code": code, "name": "Deutschland"}, headers=admin.headers)
        assert response.status_code == 409
        assert error_of(response)["code"] == "COUNTRY_EXISTS"
    fetched = await api.get("/v1/countries/DE", headers=admin.headers)
    assert fetched.json()["name"] == "Germany"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "XX", "name": "Nowhere"}, "code"),
        ({"code": "EU", "name": "European Union"}, "code"),
        ({"code": "USA", "name": "United States"}, "code"),
        ({"code": "U1", "name": "United States"}, "code"),
        ({"code": "", "name": "Empty"}, "code"),
        ({"code": 42, "name": "Number"}, "code"),
        ({"name": "No code"}, "code"),
        ({"code": "IT", "name": ""}, "name"),
        ({"code": "IT", "name": "  "}, "name"),
        ({"code": "IT", "name": "x" * 101}, "name"),
        ({"code": "IT"}, "name"),
        ({"code": "IT", "name": "Italy", "capital": "Rome"}, "capital"),
    ],
)
async def test_country_validation(api: httpx.AsyncClient, admin: Account, body: dict[str, Any], field: str) -> None:
    response = await api.post("/v1/countries", json=body, headers=admin.headers)
    assert field in validation_fields(response)


async def test_every_official_alpha2_code_is_accepted(api: httpx.AsyncClient, admin: Account) -> None:
    """Spot checks across the list, including the recently assigned ones."""
    for code in ("AX", "BQ", "CW", "SS", "SX", "ZW", "AQ", "VA"):
        response = await api.post("/v1/countries", json={"code": code, "name": code}, headers=admin.headers)
        assert response.status_code == 201, (code, response.text)


async def test_only_admins_create_countries(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.post("/v1/countries", json={"code": "JP", "name": "Japan"}, headers=member.headers)
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"
    assert (await api.post("/v1/countries", json={"code": "JP", "name": "Japan"})).status_code == 401


@pytest.mark.parametrize("code", ["JP", "jp", "XX", "USA", "1", "%24ne"])
async def test_unknown_or_malformed_country_is_404(api: httpx.AsyncClient, member: Account, code: str) -> None:
    response = await api.get(f"/v1/countries/{code}", headers=member.headers)
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "NOT_FOUND"
    assert "country" in error["message"].lower()
