"""Reference data through HTTP: directors and actors (movies:write) with prefix search; every
route, every error code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.accounts import Account
from tests.integration.catalog.reference_support import MALFORMED_IDS, SEARCH_NAMES, create_person
from tests.integration.catalog.test_movies_helpers import MISSING_ID, reader, validation_fields
from tests.support import error_of

__all__ = ["reader"]  # fixture used here

PEOPLE = ["directors", "actors"]


@pytest.mark.parametrize("resource", PEOPLE)
async def test_person_create_and_get(api: httpx.AsyncClient, member: Account, resource: str) -> None:
    response = await api.post(
        f"/v1/{resource}", json={"name": " Agnès Varda ", "date_of_birth": "1928-05-30"}, headers=member.headers
    )
    assert response.status_code == 201
    person = response.json()
    assert person["name"] == "Agnès Varda"
    assert person["date_of_birth"] == "1928-05-30"
    assert person["filmography"] == []
    assert response.headers["location"] == f"/v1/{resource}/{person['id']}"
    expected_keys = {"id", "name", "date_of_birth", "filmography"} | (
        {"photo_url"} if resource == "directors" else set()
    )
    assert set(person) == expected_keys

    fetched = await api.get(f"/v1/{resource}/{person['id']}", headers=member.headers)
    assert fetched.status_code == 200
    assert fetched.json() == person

    no_birth_date = await create_person(api, member, resource, "Anonymous")
    assert no_birth_date["date_of_birth"] is None


async def test_a_new_director_has_no_photo_url(api: httpx.AsyncClient, member: Account) -> None:
    director = await create_person(api, member, "directors", "Jane Campion", "1954-04-30")
    assert director["photo_url"] is None
    listed = (await api.get("/v1/directors", headers=member.headers)).json()["data"]
    assert listed == [{key: director[key] for key in ("id", "name", "date_of_birth", "photo_url")}]


@pytest.mark.parametrize("resource", PEOPLE)
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": ["a"]}, "name"),
        ({}, "name"),
        ({"name": "Ok", "date_of_birth": "2020-13-01"}, "date_of_birth"),
        ({"name": "Ok", "date_of_birth": "yesterday"}, "date_of_birth"),
        ({"name": "Ok", "date_of_birth": "1799-12-31"}, "date_of_birth"),
        ({"name": "Ok", "photo_key": "x"}, "photo_key"),
    ],
)
async def test_person_validation(
    api: httpx.AsyncClient, member: Account, resource: str, body: dict[str, Any], field: str
) -> None:
    response = await api.post(f"/v1/{resource}", json=body, headers=member.headers)
    assert field in validation_fields(response)


@pytest.mark.parametrize("resource", PEOPLE)
async def test_person_birth_date_cannot_be_in_the_future(
    api: httpx.AsyncClient, member: Account, resource: str
) -> None:
    tomorrow = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    response = await api.post(
        f"/v1/{resource}", json={"name": "Unborn", "date_of_birth": tomorrow}, headers=member.headers
    )
    assert "date_of_birth" in validation_fields(response)
    today = datetime.now(UTC).date().isoformat()
    assert (await create_person(api, member, resource, "Newborn", today))["date_of_birth"] == today


@pytest.mark.parametrize("resource", PEOPLE)
async def test_creating_people_needs_movies_write(
    api: httpx.AsyncClient, reader: Account, admin: Account, resource: str
) -> None:
    response = await api.post(f"/v1/{resource}", json={"name": "Someone"}, headers=reader.headers)
    assert response.status_code == 403
    assert error_of(response)["code"] == "FORBIDDEN"
    assert (await api.post(f"/v1/{resource}", json={"name": "Someone"})).status_code == 401
    # reading is fine for the reader; admins hold every permission
    assert (await api.get(f"/v1/{resource}", headers=reader.headers)).json()["total"] == 0
    await create_person(api, admin, resource, "Someone")


@pytest.mark.parametrize(("resource", "code"), [("directors", "DIRECTOR_NOT_FOUND"), ("actors", "ACTOR_NOT_FOUND")])
@pytest.mark.parametrize("person_id", [MISSING_ID, *MALFORMED_IDS])
async def test_unknown_or_malformed_person_is_404(
    api: httpx.AsyncClient, member: Account, resource: str, code: str, person_id: str
) -> None:
    response = await api.get(f"/v1/{resource}/{person_id}", headers=member.headers)
    assert response.status_code == 404
    assert error_of(response)["code"] == code


@pytest.mark.parametrize("resource", PEOPLE)
async def test_people_are_listed_by_name_case_insensitively_then_id(
    api: httpx.AsyncClient, member: Account, resource: str
) -> None:
    created = [
        await create_person(api, member, resource, name)
        for name in ("bong Joon-ho", "Akira Kurosawa", "akira kurosawa", "Chantal Akerman", "AKIRA KUROSAWA")
    ]
    ids = {person["name"]: person["id"] for person in created}
    body = (await api.get(f"/v1/{resource}", headers=member.headers)).json()
    assert [person["name"] for person in body["data"]] == [
        "Akira Kurosawa",
        "akira kurosawa",
        "AKIRA KUROSAWA",
        "bong Joon-ho",
        "Chantal Akerman",
    ]
    kurosawas = [person["id"] for person in body["data"][:3]]
    assert kurosawas == sorted(kurosawas)
    assert body["total"] == 5
    pages = [
        (await api.get(f"/v1/{resource}?page={page}&page_size=2", headers=member.headers)).json()["data"]
        for page in (1, 2, 3)
    ]
    walked = [person["id"] for page in pages for person in page]
    assert walked == [person["id"] for person in body["data"]]
    assert set(walked) == set(ids.values())


@pytest.mark.parametrize("resource", PEOPLE)
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ame", ["Ameer Sultan", "Amélie Poulain"]),
        ("AMÉ", ["Ameer Sultan", "Amélie Poulain"]),
        ("amelie", ["Amélie Poulain"]),
        ("Amélie", ["Amélie Poulain"]),
        ("cop", ["Francis Ford Coppola", "Sofia Coppola"]),
        ("fra cop", ["Francis Ford Coppola"]),
        ("cop FRA", ["Francis Ford Coppola"]),
        ("coppola ford francis", ["Francis Ford Coppola"]),
        ("will", ["Will Smith"]),
        ("pierre", ["Jean-Pierre Jeunet"]),
        ("jean-pierre", ["Jean-Pierre Jeunet"]),
        ("zoe", ["Zoë Kravitz"]),
        ("ola", []),
        ("poulainx", []),
        ("sofia smith", []),
        (".*", []),
        ("^a", ["Ameer Sultan", "Amélie Poulain", "Apichatpong Weerasethakul"]),
        # longer than the stored prefixes (12 characters): looked up by its first 12, then whole
        ("weerasethaku", ["Apichatpong Weerasethakul"]),
        ("weerasethakul", ["Apichatpong Weerasethakul"]),
        ("weerasethakux", []),
        ("apichatpong weer", ["Apichatpong Weerasethakul"]),
        ("a weerasethakul", ["Apichatpong Weerasethakul"]),
        ("a weerasethakulx", []),
        ("(", []),
        ("$ne", []),
    ],
)
async def test_prefix_search(
    api: httpx.AsyncClient, member: Account, resource: str, q: str, expected: list[str]
) -> None:
    for name in SEARCH_NAMES:
        await create_person(api, member, resource, name)
    response = await api.get(f"/v1/{resource}", params={"q": q}, headers=member.headers)
    assert response.status_code == 200
    body = response.json()
    assert [person["name"] for person in body["data"]] == expected
    assert body["total"] == len(expected)


@pytest.mark.parametrize("resource", PEOPLE)
async def test_search_pages_and_totals(api: httpx.AsyncClient, member: Account, resource: str) -> None:
    for index in range(5):
        await create_person(api, member, resource, f"Maria {index}")
    await create_person(api, member, resource, "Mario Bava")
    await create_person(api, member, resource, "Ingmar Bergman")
    first = (await api.get(f"/v1/{resource}?q=mari&page_size=4", headers=member.headers)).json()
    second = (await api.get(f"/v1/{resource}?q=mari&page=2&page_size=4", headers=member.headers)).json()
    names = [person["name"] for person in first["data"] + second["data"]]
    assert names == ["Maria 0", "Maria 1", "Maria 2", "Maria 3", "Maria 4", "Mario Bava"]
    assert first["total"] == second["total"] == 6


@pytest.mark.parametrize("resource", PEOPLE)
@pytest.mark.parametrize("q", ["", "x" * 201])
async def test_search_query_is_validated(api: httpx.AsyncClient, member: Account, resource: str, q: str) -> None:
    response = await api.get(f"/v1/{resource}", params={"q": q}, headers=member.headers)
    assert "q" in validation_fields(response)


@pytest.mark.parametrize("resource", PEOPLE)
async def test_search_with_operator_shaped_query_string_is_literal(
    api: httpx.AsyncClient, member: Account, resource: str
) -> None:
    await create_person(api, member, resource, "Ne Zha")
    response = await api.get(f"/v1/{resource}?q[$ne]=x", headers=member.headers)
    assert response.status_code == 200
    assert response.json()["total"] == 1
    # a JSON-looking value is just text: its only word "ne" is the prefix of "Ne"
    literal = await api.get(f"/v1/{resource}", params={"q": '{"$ne": ""}'}, headers=member.headers)
    assert [person["name"] for person in literal.json()["data"]] == ["Ne Zha"]
    nothing = await api.get(f"/v1/{resource}", params={"q": '{"$gt": ""}'}, headers=member.headers)
    assert nothing.json()["total"] == 0
