"""GET and DELETE on /v1/users/{user_id}/{list}: paging, sort, the country filter, removal."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from bson import ObjectId

from tests.integration.accounts import Account
from tests.integration.lists.conftest import MakeMovie
from tests.support import error_of


async def _add(api: httpx.AsyncClient, account: Account, list_name: str, movie_id: str, country: str | None) -> None:
    body: dict[str, Any] = {"movie_id": movie_id} if country is None else {"movie_id": movie_id, "country": country}
    response = await api.post(f"/v1/users/me/{list_name}", json=body, headers=account.headers)
    assert response.status_code == 201, response.text


async def _ids(api: httpx.AsyncClient, account: Account, list_name: str, **params: Any) -> list[str]:
    response = await api.get(f"/v1/users/me/{list_name}", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def test_items_paging_and_default_newest_first(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie
) -> None:
    movies = [await make_movie(title=f"Movie {n}", year=2000 + n) for n in range(5)]
    for movie in movies:
        await _add(api, member, "wishlist", movie["id"], None)
    first = await api.get("/v1/users/me/wishlist", params={"page_size": 2}, headers=member.headers)
    assert first.status_code == 200
    body = first.json()
    assert (body["page"], body["page_size"], body["total"]) == (1, 2, 5)
    assert [set(item) for item in body["data"]] == [{"id", "title", "year", "date_added"}] * 2
    assert [(item["title"], item["year"]) for item in body["data"]] == [("Movie 4", 2004), ("Movie 3", 2003)]
    assert body["data"][0]["date_added"].endswith("Z")
    newest_first = [movie["id"] for movie in reversed(movies)]
    pages = [await _ids(api, member, "wishlist", page=page, page_size=2) for page in (1, 2, 3)]
    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:]]
    past_end = await api.get("/v1/users/me/wishlist", params={"page": 4, "page_size": 2}, headers=member.headers)
    assert past_end.json() == {"data": [], "page": 4, "page_size": 2, "total": 5}


async def test_sort_both_ways(api: httpx.AsyncClient, member: Account, make_movie: MakeMovie) -> None:
    movies = [await make_movie() for _ in range(3)]
    for movie in movies:
        await _add(api, member, "favorites", movie["id"], None)
    in_order = [movie["id"] for movie in movies]
    assert await _ids(api, member, "favorites", sort="date_added") == in_order
    assert await _ids(api, member, "favorites", sort="-date_added") == in_order[::-1]
    assert await _ids(api, member, "favorites") == in_order[::-1]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "title"}, "sort"),
        ({"sort": "password"}, "sort"),
        ({"country": "usa"}, "country"),
        ({"country": "us"}, "country"),
        ({"page": 0}, "page"),
        ({"page_size": 101}, "page_size"),
        ({"page_size": "x"}, "page_size"),
    ],
)
async def test_bad_query_values_are_422(
    api: httpx.AsyncClient, member: Account, params: dict[str, Any], field: str
) -> None:
    response = await api.get("/v1/users/me/favorites", params=params, headers=member.headers)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [item["field"] for item in error["details"]["fields"]]


async def test_saved_movies_listing_needs_a_country(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.get("/v1/users/me/saved-movies", headers=member.headers)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert [item["field"] for item in error["details"]["fields"]] == ["country"]


@pytest.mark.parametrize("list_name", ["saved-movies", "favorites", "wishlist"])
async def test_country_filter_returns_only_movies_available_there(
    api: httpx.AsyncClient, member: Account, make_movie: MakeMovie, list_name: str
) -> None:
    both = await make_movie(countries=["US", "BR"])
    us_only = await make_movie(countries=["US"])
    br_only = await make_movie(countries=["BR"])
    for movie, country in ((both, "US"), (us_only, "US"), (br_only, "BR")):
        await _add(api, member, list_name, movie["id"], country)
    assert await _ids(api, member, list_name, country="US", sort="date_added") == [both["id"], us_only["id"]]
    assert await _ids(api, member, list_name, country="BR", sort="date_added") == [both["id"], br_only["id"]]
    empty = await api.get(f"/v1/users/me/{list_name}", params={"country": "FR"}, headers=member.headers)
    assert empty.json() == {"data": [], "page": 1, "page_size": 20, "total": 0}


async def test_lists_are_separate(api: httpx.AsyncClient, member: Account, make_movie: MakeMovie) -> None:
    movie = await make_movie()
    await _add(api, member, "favorites", movie["id"], None)
    assert await _ids(api, member, "favorites") == [movie["id"]]
    assert await _ids(api, member, "wishlist") == []
    assert await _ids(api, member, "saved-movies", country="US") == []


async def test_remove_is_204_then_404_not_saved(api: httpx.AsyncClient, member: Account, make_movie: MakeMovie) -> None:
    movie, kept = await make_movie(), await make_movie()
    await _add(api, member, "favorites", movie["id"], None)
    await _add(api, member, "favorites", kept["id"], None)
    await _add(api, member, "wishlist", movie["id"], None)
    removed = await api.delete(f"/v1/users/{member.id}/favorites/{movie['id']}", headers=member.headers)
    assert removed.status_code == 204
    assert removed.content == b""
    assert await _ids(api, member, "favorites") == [kept["id"]]
    assert await _ids(api, member, "wishlist") == [movie["id"]]
    again = await api.delete(f"/v1/users/me/favorites/{movie['id']}", headers=member.headers)
    assert (again.status_code, error_of(again)["code"]) == (404, "NOT_SAVED")


@pytest.mark.parametrize("movie_id", [str(ObjectId()), "not-an-id"])
async def test_removing_what_is_not_there_is_404_not_saved(
    api: httpx.AsyncClient, member: Account, movie_id: str
) -> None:
    response = await api.delete(f"/v1/users/me/saved-movies/{movie_id}", headers=member.headers)
    assert response.status_code == 404
    assert error_of(response)["code"] == "NOT_SAVED"


async def test_deleted_movie_disappears_from_every_list(
    api: httpx.AsyncClient, member: Account, other_member: Account, admin: Account, make_movie: MakeMovie
) -> None:
    doomed, kept = await make_movie(countries=["US"]), await make_movie(countries=["US"])
    for account in (member, other_member):
        for list_name in ("saved-movies", "favorites", "wishlist"):
            await _add(api, account, list_name, doomed["id"], "US")
            await _add(api, account, list_name, kept["id"], "US")
    deleted = await api.delete(f"/v1/movies/{doomed['id']}", headers=admin.headers)
    assert deleted.status_code == 204
    for account in (member, other_member):
        for list_name in ("saved-movies", "favorites", "wishlist"):
            response = await api.get(f"/v1/users/me/{list_name}", params={"country": "US"}, headers=account.headers)
            assert [item["id"] for item in response.json()["data"]] == [kept["id"]]
            assert response.json()["total"] == 1
    # and it can neither be removed (it is gone) nor added again
    gone = await api.delete(f"/v1/users/me/favorites/{doomed['id']}", headers=member.headers)
    assert error_of(gone)["code"] == "NOT_SAVED"
    re_add = await api.post("/v1/users/me/favorites", json={"movie_id": doomed["id"]}, headers=member.headers)
    assert (re_add.status_code, error_of(re_add)["code"]) == (404, "MOVIE_NOT_FOUND")


async def test_availability_change_is_followed_by_country_listings(
    api: httpx.AsyncClient, member: Account, admin: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie(countries=["US", "BR"])
    await _add(api, member, "saved-movies", movie["id"], "BR")
    await _add(api, member, "favorites", movie["id"], None)
    assert await _ids(api, member, "saved-movies", country="BR") == [movie["id"]]

    patched = await api.patch(f"/v1/movies/{movie['id']}", json={"countries": ["US"]}, headers=admin.headers)
    assert patched.status_code == 200, patched.text
    assert await _ids(api, member, "saved-movies", country="BR") == []
    assert await _ids(api, member, "favorites", country="BR") == []
    assert await _ids(api, member, "saved-movies", country="US") == [movie["id"]]
    assert await _ids(api, member, "favorites") == [movie["id"]]

    restored = await api.patch(f"/v1/movies/{movie['id']}", json={"countries": ["BR", "FR"]}, headers=admin.headers)
    assert restored.status_code == 200, restored.text
    assert await _ids(api, member, "saved-movies", country="FR") == [movie["id"]]
    assert await _ids(api, member, "saved-movies", country="US") == []


async def test_title_and_year_are_current(
    api: httpx.AsyncClient, member: Account, admin: Account, make_movie: MakeMovie
) -> None:
    movie = await make_movie(title="Working Title", year=2015)
    await _add(api, member, "wishlist", movie["id"], None)
    patched = await api.patch(
        f"/v1/movies/{movie['id']}", json={"title": "Final Title", "year": 2016}, headers=admin.headers
    )
    assert patched.status_code == 200, patched.text
    response = await api.get("/v1/users/me/wishlist", headers=member.headers)
    item = response.json()["data"][0]
    assert (item["title"], item["year"]) == ("Final Title", 2016)
