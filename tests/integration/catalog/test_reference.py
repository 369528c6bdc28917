"""Reference data through HTTP: genres and countries (admin-managed), directors and actors
(movies:write) with prefix search; every route, every error code."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.kernel import runtime
from tests.integration.accounts import Account, create_account
from tests.support import error_of

MISSING_ID = "0123456789abcdef01234567"
MALFORMED_IDS = ["abc", "0123456789abcdef0123456z", "0123456789abcdef012345678", "%20"]


def fields_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    return [item["field"] for item in error["details"]["fields"]]


@pytest.fixture
async def reader(api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> Account:
    """A member with movies:read only (DEFAULT_USER_PERMISSIONS=movies:read when registering)."""
    monkeypatch.setattr(runtime.current().settings, "default_user_permissions", ["movies:read"])
    account = await create_account(api, "reader")
    monkeypatch.undo()
    return account


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
    assert field in fields_of(response)


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
    assert field in fields_of(response)


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
    assert field in fields_of(response)


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


# --- directors and actors ---------------------------------------------------------------------

PEOPLE = ["directors", "actors"]


async def create_person(
    api: httpx.AsyncClient, account: Account, resource: str, name: str, date_of_birth: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    if date_of_birth is not None:
        body["date_of_birth"] = date_of_birth
    response = await api.post(f"/v1/{resource}", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


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
    assert field in fields_of(response)


@pytest.mark.parametrize("resource", PEOPLE)
async def test_person_birth_date_cannot_be_in_the_future(
    api: httpx.AsyncClient, member: Account, resource: str
) -> None:
    tomorrow = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    response = await api.post(
        f"/v1/{resource}", json={"name": "Unborn", "date_of_birth": tomorrow}, headers=member.headers
    )
    assert "date_of_birth" in fields_of(response)
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


SEARCH_NAMES = [
    "Amélie Poulain",
    "Ameer Sultan",
    "Francis Ford Coppola",
    "Sofia Coppola",
    "Will Smith",
    "Jean-Pierre Jeunet",
    "Zoë Kravitz",
]


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
        ("^a", ["Ameer Sultan", "Amélie Poulain"]),
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
    assert "q" in fields_of(response)


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


# --- filmographies ----------------------------------------------------------------------------


@pytest.fixture
async def movies(api: httpx.AsyncClient, member: Account) -> MovieMaker:
    from modules.catalog.services import GenreService

    genre = await GenreService().create("Drama")
    return MovieMaker(api, member, str(genre.id))


class MovieMaker:
    """Movies through the movies API (only what filmographies show matters here)."""

    def __init__(self, api: httpx.AsyncClient, account: Account, genre_id: str) -> None:
        self.api, self.account, self.genre_id = api, account, genre_id

    async def create(self, title: str, year: int, director_id: str, cast: list[tuple[str, str]] | None = None) -> str:
        body = {
            "title": title,
            "year": year,
            "runtime_minutes": 100,
            "genre_ids": [self.genre_id],
            "director_id": director_id,
            "cast": [{"actor_id": actor_id, "character": character} for actor_id, character in cast or []],
        }
        response = await self.api.post("/v1/movies", json=body, headers=self.account.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


async def test_director_filmography_newest_first(api: httpx.AsyncClient, member: Account, movies: MovieMaker) -> None:
    director = await create_person(api, member, "directors", "Hayao Miyazaki", "1941-01-05")
    other = await create_person(api, member, "directors", "Isao Takahata")
    spirited = await movies.create("Spirited Away", 2001, director["id"])
    totoro = await movies.create("My Neighbor Totoro", 1988, director["id"])
    kiki = await movies.create("Kiki's Delivery Service", 1989, director["id"])
    twin = await movies.create("Twin 2001", 2001, director["id"])
    await movies.create("Grave of the Fireflies", 1988, other["id"])

    body = (await api.get(f"/v1/directors/{director['id']}", headers=member.headers)).json()
    same_year = sorted([spirited, twin], reverse=True)
    assert [credit["id"] for credit in body["filmography"]] == [*same_year, kiki, totoro]
    assert body["filmography"][-1] == {"id": totoro, "title": "My Neighbor Totoro", "year": 1988}
    assert {"id", "name", "date_of_birth", "photo_url", "filmography"} == set(body)
    other_body = (await api.get(f"/v1/directors/{other['id']}", headers=member.headers)).json()
    assert [credit["title"] for credit in other_body["filmography"]] == ["Grave of the Fireflies"]


async def test_actor_filmography_with_characters(api: httpx.AsyncClient, member: Account, movies: MovieMaker) -> None:
    director = await create_person(api, member, "directors", "Peter Sellers Director")
    actor = await create_person(api, member, "actors", "Peter Sellers", "1925-09-08")
    partner = await create_person(api, member, "actors", "George C. Scott")
    strangelove = await movies.create(
        "Dr. Strangelove",
        1964,
        director["id"],
        [
            (actor["id"], "Group Captain Lionel Mandrake"),
            (partner["id"], "General Buck Turgidson"),
            (actor["id"], "President Merkin Muffley"),
            (actor["id"], "Dr. Strangelove"),
        ],
    )
    panther = await movies.create("The Pink Panther", 1963, director["id"], [(actor["id"], "Inspector Clouseau")])
    await movies.create("Patton", 1970, director["id"], [(partner["id"], "George S. Patton")])

    body = (await api.get(f"/v1/actors/{actor['id']}", headers=member.headers)).json()
    assert body["filmography"] == [
        {
            "id": strangelove,
            "title": "Dr. Strangelove",
            "year": 1964,
            "character": "Group Captain Lionel Mandrake / President Merkin Muffley / Dr. Strangelove",
        },
        {"id": panther, "title": "The Pink Panther", "year": 1963, "character": "Inspector Clouseau"},
    ]
    partner_body = (await api.get(f"/v1/actors/{partner['id']}", headers=member.headers)).json()
    assert [(credit["title"], credit["character"]) for credit in partner_body["filmography"]] == [
        ("Patton", "George S. Patton"),
        ("Dr. Strangelove", "General Buck Turgidson"),
    ]


async def test_filmography_is_capped(
    api: httpx.AsyncClient, member: Account, movies: MovieMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modules.catalog.services import _reference

    monkeypatch.setattr(_reference, "FILMOGRAPHY_LIMIT", 2)
    director = await create_person(api, member, "directors", "Prolific")
    for year in (2001, 2003, 2002):
        await movies.create(f"Movie {year}", year, director["id"])
    body = (await api.get(f"/v1/directors/{director['id']}", headers=member.headers)).json()
    assert [credit["year"] for credit in body["filmography"]] == [2003, 2002]


async def test_filmography_follows_movie_changes(api: httpx.AsyncClient, member: Account, movies: MovieMaker) -> None:
    first = await create_person(api, member, "directors", "First Director")
    second = await create_person(api, member, "directors", "Second Director")
    actor = await create_person(api, member, "actors", "Busy Actor")
    kept = await movies.create("Kept", 2000, first["id"], [(actor["id"], "Lead")])
    moved = await movies.create("Moved", 2001, first["id"])
    deleted = await movies.create("Deleted", 2002, first["id"], [(actor["id"], "Cameo")])

    patch = await api.patch(f"/v1/movies/{moved}", json={"director_id": second["id"]}, headers=member.headers)
    assert patch.status_code == 200, patch.text
    assert (await api.delete(f"/v1/movies/{deleted}", headers=member.headers)).status_code == 204

    first_body = (await api.get(f"/v1/directors/{first['id']}", headers=member.headers)).json()
    assert [credit["id"] for credit in first_body["filmography"]] == [kept]
    second_body = (await api.get(f"/v1/directors/{second['id']}", headers=member.headers)).json()
    assert [credit["id"] for credit in second_body["filmography"]] == [moved]
    actor_body = (await api.get(f"/v1/actors/{actor['id']}", headers=member.headers)).json()
    assert [(credit["id"], credit["character"]) for credit in actor_body["filmography"]] == [(kept, "Lead")]


def winning_plan(explain: dict[str, Any]) -> str:
    return str(explain["queryPlanner"]["winningPlan"])


async def test_reference_reads_are_index_backed(api: httpx.AsyncClient, member: Account) -> None:
    """``explain`` of each reference query as the services run it: an index scan on the named
    index, never a collection scan."""
    from bson import ObjectId

    from modules.catalog.documents import Country, Genre, Movie
    from modules.catalog.services import ActorService, DirectorService

    for name in SEARCH_NAMES:
        await create_person(api, member, "directors", name)
        await create_person(api, member, "actors", name)
    for collection, sort, index in (
        (Genre.get_pymongo_collection(), [("name_key", 1)], "genres_name_key_unique"),
        (Country.get_pymongo_collection(), [("code", 1)], "countries_code_unique"),
    ):
        plan = winning_plan(await collection.find({}).sort(sort).explain())
        assert "IXSCAN" in plan and index in plan, plan
        assert "COLLSCAN" not in plan, plan
    for service, q, index in (
        (DirectorService(), None, "directors_name_key"),
        (ActorService(), None, "actors_name_key"),
        (DirectorService(), "ame", "directors_search_tokens"),
        (ActorService(), "fra cop", "actors_search_tokens"),
    ):
        query = service.plan(q)
        assert query is not None
        assert query.index == index
        collection = service.document.get_pymongo_collection()
        plan = winning_plan(await collection.find(query.filter).sort(list(query.sort)).hint(query.index).explain())
        assert "IXSCAN" in plan and index in plan, (q, plan)
        assert "COLLSCAN" not in plan, (q, plan)
    for people, index in ((DirectorService(), "movies_director_year"), (ActorService(), "movies_actor_year")):
        assert people.movie_index == index
        cursor = (
            Movie.get_pymongo_collection()
            .find({people.movie_field: ObjectId(MISSING_ID)})
            .sort([("year", -1), ("_id", -1)])
            .hint(people.movie_index)
        )
        plan = winning_plan(await cursor.explain())
        assert "IXSCAN" in plan and index in plan, plan
        assert "COLLSCAN" not in plan, plan
