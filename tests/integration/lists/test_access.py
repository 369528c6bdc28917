"""Who may use a list: the owner (also as ``me``) and admins; others 403; no token 401."""

from __future__ import annotations

import httpx
import pytest
from bson import ObjectId

from tests.integration.accounts import Account
from tests.integration.lists.conftest import MakeMovie
from tests.support import error_of

LISTS = ["saved-movies", "favorites", "wishlist"]


@pytest.mark.parametrize("list_name", LISTS)
async def test_routes_need_a_token(api: httpx.AsyncClient, member: Account, list_name: str) -> None:
    url = f"/v1/users/{member.id}/{list_name}"
    for response in (
        await api.post(url, json={"movie_id": str(ObjectId()), "country": "US"}),
        await api.get(url, params={"country": "US"}),
        await api.delete(f"{url}/{ObjectId()}"),
        await api.get("/v1/users/me/favorites", headers={"Authorization": "Bearer not-a-token"}),
    ):
        assert response.status_code == 401
        assert error_of(response)["code"] == "UNAUTHENTICATED"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("list_name", LISTS)
async def test_another_members_list_is_403(
    api: httpx.AsyncClient, member: Account, other_member: Account, make_movie: MakeMovie, list_name: str
) -> None:
    movie = await make_movie(countries=["US"])
    added = await api.post(
        f"/v1/users/me/{list_name}", json={"movie_id": movie["id"], "country": "US"}, headers=member.headers
    )
    assert added.status_code == 201
    url = f"/v1/users/{member.id}/{list_name}"
    for response in (
        await api.get(url, params={"country": "US"}, headers=other_member.headers),
        await api.post(url, json={"movie_id": movie["id"], "country": "US"}, headers=other_member.headers),
        await api.delete(f"{url}/{movie['id']}", headers=other_member.headers),
        # unknown and malformed user ids give the same answer: no probing for accounts
        await api.get(f"/v1/users/{ObjectId()}/{list_name}", params={"country": "US"}, headers=other_member.headers),
        await api.get(f"/v1/users/nobody/{list_name}", params={"country": "US"}, headers=other_member.headers),
    ):
        assert response.status_code == 403, response.text
        assert error_of(response)["code"] == "FORBIDDEN"
    # nothing changed
    own = await api.get(f"/v1/users/me/{list_name}", params={"country": "US"}, headers=member.headers)
    assert [item["id"] for item in own.json()["data"]] == [movie["id"]]


async def test_me_and_own_id_are_the_same_list(api: httpx.AsyncClient, member: Account, make_movie: MakeMovie) -> None:
    movie = await make_movie()
    added = await api.post(f"/v1/users/{member.id}/favorites", json={"movie_id": movie["id"]}, headers=member.headers)
    assert added.status_code == 201
    by_me = await api.get("/v1/users/me/favorites", headers=member.headers)
    by_id = await api.get(f"/v1/users/{member.id}/favorites", headers=member.headers)
    assert by_me.json() == by_id.json()
    assert by_me.json()["total"] == 1
    # `?user_id=` cannot redirect the `me` route to someone else's list
    sneaky = await api.get("/v1/users/me/favorites", params={"user_id": "x"}, headers=member.headers)
    assert sneaky.json() == by_me.json()


async def test_admin_reads_and_changes_any_users_list(
    api: httpx.AsyncClient, member: Account, admin: Account, make_movie: MakeMovie
) -> None:
    movie, other = await make_movie(countries=["US"]), await make_movie(countries=["US"])
    url = f"/v1/users/{member.id}/saved-movies"
    added = await api.post(url, json={"movie_id": movie["id"], "country": "US"}, headers=admin.headers)
    assert added.status_code == 201, added.text
    await api.post(url, json={"movie_id": other["id"], "country": "US"}, headers=member.headers)
    listing = await api.get(url, params={"country": "US", "sort": "date_added"}, headers=admin.headers)
    assert [item["id"] for item in listing.json()["data"]] == [movie["id"], other["id"]]
    removed = await api.delete(f"{url}/{movie['id']}", headers=admin.headers)
    assert removed.status_code == 204
    own = await api.get("/v1/users/me/saved-movies", params={"country": "US"}, headers=member.headers)
    assert [item["id"] for item in own.json()["data"]] == [other["id"]]
    # the admin's own list is untouched by all this
    mine = await api.get("/v1/users/me/saved-movies", params={"country": "US"}, headers=admin.headers)
    assert mine.json()["total"] == 0


@pytest.mark.parametrize("user_ref", ["nobody", str(ObjectId())])
async def test_admin_naming_an_unknown_user_is_404_user_not_found(
    api: httpx.AsyncClient, admin: Account, user_ref: str
) -> None:
    for response in (
        await api.get(f"/v1/users/{user_ref}/favorites", headers=admin.headers),
        await api.post(f"/v1/users/{user_ref}/favorites", json={"movie_id": str(ObjectId())}, headers=admin.headers),
        await api.delete(f"/v1/users/{user_ref}/favorites/{ObjectId()}", headers=admin.headers),
    ):
        assert response.status_code == 404
        assert error_of(response)["code"] == "USER_NOT_FOUND"


async def test_unknown_list_name_is_404(api: httpx.AsyncClient, member: Account) -> None:
    for path in (f"/v1/users/{member.id}/watch-later", "/v1/users/me/watch-later", "/v1/users/me/Favorites"):
        response = await api.get(path, headers=member.headers)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "NOT_FOUND"


async def test_unsupported_method_is_405(api: httpx.AsyncClient, member: Account) -> None:
    response = await api.put("/v1/users/me/favorites", json={}, headers=member.headers)
    assert response.status_code == 405
    assert error_of(response)["code"] == "METHOD_NOT_ALLOWED"


async def test_neighbouring_user_routes_still_answer(api: httpx.AsyncClient, member: Account) -> None:
    me = await api.get("/v1/users/me", headers=member.headers)
    profile = await api.get(f"/v1/users/{member.id}", headers=member.headers)
    assert me.status_code == profile.status_code == 200
    assert me.json()["id"] == profile.json()["id"] == member.id


async def test_openapi_documents_the_list_routes(api: httpx.AsyncClient) -> None:
    schema = (await api.get("/schema/openapi.json")).json()
    expected = {"post": {"201", "401", "403", "404", "409", "422"}, "get": {"200", "401", "403", "404", "422"}}
    for list_name in LISTS:
        path = schema["paths"][f"/v1/users/{{user_id}}/{list_name}"]
        for method, statuses in expected.items():
            assert statuses <= set(path[method]["responses"]), (list_name, method)
            assert path[method]["security"] == [{"BearerToken": []}]
        removal = schema["paths"][f"/v1/users/{{user_id}}/{list_name}/{{movie_id}}"]["delete"]
        assert {"204", "401", "403", "404"} <= set(removal["responses"])
        country = next(p for p in path["get"]["parameters"] if p["name"] == "country")
        assert country["schema"]["pattern"] == "^[A-Z]{2}$"
    assert not any(route.startswith("/v1/users/me/") and "favorites" in route for route in schema["paths"])
