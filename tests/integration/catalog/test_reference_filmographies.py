"""Reference data through HTTP: directors' and actors' filmographies as movies are created,
changed and deleted, and the indexes behind every reference read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.accounts import Account
from tests.integration.catalog.reference_support import SEARCH_NAMES, create_person
from tests.integration.catalog.test_movies_helpers import MISSING_ID


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

    from modules.catalog.documents import Country, Genre
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
        # the queries the lists send, unhinted: the planner must take the index by itself
        (DirectorService(), None, "directors_name_key"),
        (ActorService(), None, "actors_name_key"),
        (DirectorService(), "ame", "directors_search_prefixes"),
        (ActorService(), "cop", "actors_search_prefixes"),
    ):
        query = service.plan(q)
        assert query is not None
        collection = service.document.get_pymongo_collection()
        plan = winning_plan(await collection.find(query.filter).sort(list(query.sort)).limit(20).explain())
        assert "IXSCAN" in plan and index in plan, (q, plan)
        assert "COLLSCAN" not in plan, (q, plan)
    for people, index in ((DirectorService(), "movies_director_year"), (ActorService(), "movies_actor_year")):
        # the query the filmography sends, unhinted: the planner must take the person's index
        plan = winning_plan(await people.filmography_query(ObjectId(MISSING_ID)).explain())
        assert "IXSCAN" in plan and index in plan, plan
        assert "COLLSCAN" not in plan, plan
