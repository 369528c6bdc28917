"""Director and actor lists: cached totals stay exact across writes, and a remembered keyset
window never changes a page (``services._people_listing``)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from pymongo.asynchronous.collection import AsyncCollection

from app.kernel import runtime
from app.kernel.cache import Cache
from modules.catalog.services._cache import filter_key
from modules.catalog.services._people_listing import WINDOW_NAMESPACE
from modules.catalog.services._reference import prefix_filter
from modules.catalog.services._window import WindowStore
from tests.integration.accounts import Account
from tests.integration.catalog.reference_support import create_person

PEOPLE = ["directors", "actors"]


async def names(api: httpx.AsyncClient, member: Account, resource: str, **params: Any) -> tuple[list[str], int]:
    response = await api.get(f"/v1/{resource}", params=params, headers=member.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return [person["name"] for person in body["data"]], body["total"]


@pytest.mark.parametrize("resource", PEOPLE)
@pytest.mark.parametrize("q", [None, "mar"])
async def test_a_cached_total_counts_the_people_created_since(
    api: httpx.AsyncClient, member: Account, resource: str, q: str | None
) -> None:
    params = {"q": q} if q else {}
    for name in ("Mario Bava", "Marta Meszaros"):
        await create_person(api, member, resource, name)
    assert (await names(api, member, resource, **params))[1] == 2
    assert (await names(api, member, resource, **params))[1] == 2  # from the cache
    await create_person(api, member, resource, "Marco Bellocchio")
    assert await names(api, member, resource, **params) == (["Marco Bellocchio", "Mario Bava", "Marta Meszaros"], 3)


@pytest.mark.parametrize("resource", PEOPLE)
async def test_a_burst_of_first_reads_counts_once(
    api: httpx.AsyncClient, member: Account, resource: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("Agnes Varda", "Jacques Demy"):
        await create_person(api, member, resource, name)
    counted: list[str] = []
    original = AsyncCollection.count_documents

    async def slow_count(self: AsyncCollection[Any], *args: Any, **kwargs: Any) -> int:
        counted.append(self.name)
        await asyncio.sleep(0.3)  # the burst arrives while the first request counts
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(AsyncCollection, "count_documents", slow_count)
    answers = await asyncio.gather(*(names(api, member, resource) for _ in range(6)))
    assert answers == [(["Agnes Varda", "Jacques Demy"], 2)] * 6
    assert counted == [resource]


@pytest.mark.parametrize("resource", PEOPLE)
async def test_a_page_read_again_through_its_window_is_the_same_page(
    api: httpx.AsyncClient, member: Account, resource: str
) -> None:
    for name in ("Bela Tarr", "Chantal Akerman", "Derek Jarman", "Elaine May", "Fritz Lang"):
        await create_person(api, member, resource, name)
    windows = WindowStore(Cache(runtime.current().redis), WINDOW_NAMESPACE)
    window = f"{resource}|{filter_key({})}|4"
    assert await names(api, member, resource, page=2, page_size=2) == (["Derek Jarman", "Elaine May"], 5)
    assert await windows.get(window) == (True, "elaine may")  # the page's last name

    # written before the bound: the window still holds a full page, the names shift into it
    await create_person(api, member, resource, "Agnes Varda")
    assert await names(api, member, resource, page=2, page_size=2) == (["Chantal Akerman", "Derek Jarman"], 6)
    assert await windows.get(window) == (True, "derek jarman")


@pytest.mark.parametrize("resource", PEOPLE)
async def test_a_window_that_no_longer_holds_the_page_falls_back_to_the_whole_list(
    api: httpx.AsyncClient, member: Account, resource: str
) -> None:
    for name in ("Bela Tarr", "Chantal Akerman", "Derek Jarman", "Elaine May"):
        await create_person(api, member, resource, name)
    windows = WindowStore(Cache(runtime.current().redis), WINDOW_NAMESPACE)
    # a bound below the page (as if the people before it were deleted since): too few in it
    await windows.put(f"{resource}|{filter_key({})}|4", "a")
    assert await names(api, member, resource, page=2, page_size=2) == (["Derek Jarman", "Elaine May"], 4)
    assert await windows.get(f"{resource}|{filter_key({})}|4") == (True, "elaine may")


@pytest.mark.parametrize("resource", PEOPLE)
async def test_a_search_page_through_its_window_keeps_ties_and_the_prefix_index(
    api: httpx.AsyncClient, member: Account, resource: str
) -> None:
    """Same names sort by id: a window ends after every name equal to its bound."""
    created = [await create_person(api, member, resource, "Maria Maria") for _ in range(3)]
    await create_person(api, member, resource, "Mario Bava")
    first = (await api.get(f"/v1/{resource}", params={"q": "mari", "page_size": 2}, headers=member.headers)).json()
    again = (await api.get(f"/v1/{resource}", params={"q": "mari", "page_size": 2}, headers=member.headers)).json()
    second = (
        await api.get(f"/v1/{resource}", params={"q": "mari", "page": 2, "page_size": 2}, headers=member.headers)
    ).json()
    query = prefix_filter("mari")
    assert query is not None
    windows = WindowStore(Cache(runtime.current().redis), WINDOW_NAMESPACE)
    assert await windows.get(f"{resource}|{filter_key(query)}|2") == (True, "maria maria")
    ids = sorted(person["id"] for person in created)
    assert [person["id"] for person in first["data"]] == [person["id"] for person in again["data"]] == ids[:2]
    assert second["data"][0]["id"] == ids[2]
    assert [person["name"] for person in second["data"]] == ["Maria Maria", "Mario Bava"]
