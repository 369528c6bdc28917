"""Authorisation matrix: every route of the app, called as anonymous, a member (the owner of the
resources named in the path), another member and an administrator, answers what the contract
says.

The routes come from the app's route table, so a route added without a row here fails the test
(and a row for a route that no longer exists fails too). Each call that changes state gets its
own fresh target (a new movie, a new session...), so the order of the calls does not matter.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar

from modules.exports.deps import build_export_builder
from tests.integration.accounts import Account, login
from tests.integration.hardening.routes import is_public, route_table
from tests.support import error_of

CALLERS = ("anonymous", "member", "other", "admin")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 64 + b"\xff\xd9"
_unique = itertools.count(1)


@dataclass
class World:
    """Three accounts and one of each resource, owned by ``member``."""

    api: httpx.AsyncClient
    accounts: dict[str, Account]
    ids: dict[str, str] = field(default_factory=dict)

    def headers(self, caller: str) -> dict[str, str]:
        return {} if caller == "anonymous" else self.accounts[caller].headers

    async def post(self, caller: str, path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        response = await self.api.post(path, json=body, headers=self.headers(caller))
        assert response.status_code == status, (path, response.text)
        return dict(response.json())

    async def movie(self) -> str:
        """A new movie created by the member, available in US."""
        body = {
            "title": f"Matrix movie {next(_unique)}",
            "year": 2019,
            "runtime_minutes": 100,
            "genre_ids": [self.ids["genre_id"]],
            "director_id": self.ids["director_id"],
            "countries": ["US"],
        }
        return str((await self.post("member", "/v1/movies", body))["id"])


@dataclass
class Call:
    """What one caller sends: path parameters beyond the world's, and a body or query."""

    path: dict[str, str] = field(default_factory=dict)
    json: Any = None
    params: dict[str, str] | None = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


Prepare = Callable[[World, str], Awaitable[Call]]


@dataclass(frozen=True)
class Row:
    """The contract's status for each caller."""

    member: int
    other: int
    admin: int
    anonymous: int = 401
    prepare: Prepare | None = None

    def expected(self, caller: str) -> int:
        return int(getattr(self, caller))


def everyone(status: int, prepare: Prepare | None = None) -> Row:
    """A public route: the same answer whoever calls."""
    return Row(status, status, status, status, prepare)


def readers(status: int = 200, prepare: Prepare | None = None) -> Row:
    """Any authenticated user."""
    return Row(status, status, status, 401, prepare)


def owner_or_admin(member: int, prepare: Prepare | None = None, other: int = 403) -> Row:
    return Row(member, other, member, 401, prepare)


def admin_only(admin: int, prepare: Prepare | None = None) -> Row:
    return Row(403, 403, admin, 401, prepare)


def body(value: Any) -> Prepare:
    async def prepare(world: World, caller: str) -> Call:
        return Call(json=value)

    return prepare


async def new_username(world: World, caller: str) -> Call:
    return Call(json={"username": f"fresh{next(_unique)}", "password": "fresh-pass-2026"})


async def member_login(world: World, caller: str) -> Call:
    member = world.accounts["member"]
    return Call(json={"login": member.username, "password": member.password})


async def fresh_refresh_token(world: World, caller: str) -> Call:
    member = world.accounts["member"]
    return Call(json={"refresh_token": (await login(world.api, member.username, member.password))["refresh_token"]})


async def fresh_session(world: World, caller: str) -> Call:
    """Logging out must not end the session the rest of the matrix uses."""
    if caller == "anonymous":
        return Call()
    account = world.accounts[caller]
    tokens = await login(world.api, account.username, account.password)
    return Call(headers={"Authorization": f"Bearer {tokens['access_token']}"})


async def password_change(world: World, caller: str) -> Call:
    """The caller's own current password; the account keeps working with the new one."""
    if caller == "anonymous":
        return Call(json={"current_password": "whatever-2026", "new_password": "whatever-2027"})
    account = world.accounts[caller]
    new_password = f"{account.password}x"
    change = Call(json={"current_password": account.password, "new_password": new_password})
    account.password = new_password
    return change


async def fresh_movie(world: World, caller: str) -> Call:
    return Call(path={"movie_id": await world.movie()})


async def new_movie_body(world: World, caller: str) -> Call:
    return Call(
        json={
            "title": f"Created by {caller} {next(_unique)}",
            "year": 2020,
            "runtime_minutes": 95,
            "genre_ids": [world.ids["genre_id"]],
            "director_id": world.ids["director_id"],
        }
    )


async def movie_patch(world: World, caller: str) -> Call:
    return Call(path={"movie_id": await world.movie()}, json={"runtime_minutes": 101})


async def new_genre(world: World, caller: str) -> Call:
    return Call(json={"name": f"Genre {next(_unique)}"})


async def new_country(world: World, caller: str) -> Call:
    return Call(json={"code": {"member": "FR", "other": "DE", "admin": "BR", "anonymous": "IT"}[caller], "name": "C"})


async def new_person(world: World, caller: str) -> Call:
    return Call(json={"name": f"Person {next(_unique)}"})


async def photo(world: World, caller: str) -> Call:
    return Call(content=JPEG, headers={"Content-Type": "image/jpeg"})


async def rate_fresh_movie(world: World, caller: str) -> Call:
    return Call(path={"movie_id": await world.movie()}, json={"score": 7})


async def rated_fresh_movie(world: World, caller: str) -> Call:
    """A new movie the caller has rated (the member's rating when the caller is anonymous)."""
    movie_id = await world.movie()
    rater = "member" if caller == "anonymous" else caller
    response = await world.api.put(f"/v1/movies/{movie_id}/rating", json={"score": 5}, headers=world.headers(rater))
    assert response.status_code == 201, response.text
    return Call(path={"movie_id": movie_id})


def list_add(list_name: str) -> Prepare:
    async def prepare(world: World, caller: str) -> Call:
        return Call(json={"movie_id": await world.movie(), "country": "US"})

    return prepare


def list_read(list_name: str) -> Prepare:
    async def prepare(world: World, caller: str) -> Call:
        return Call(params={"country": "US"} if list_name == "saved-movies" else None)

    return prepare


def list_remove(list_name: str) -> Prepare:
    """A new movie in the member's list, removed by the caller."""

    async def prepare(world: World, caller: str) -> Call:
        movie_id = await world.movie()
        await world.post(
            "member", f"/v1/users/{world.accounts['member'].id}/{list_name}", {"movie_id": movie_id, "country": "US"}
        )
        return Call(path={"movie_id": movie_id})

    return prepare


async def new_export(world: World, caller: str) -> Call:
    return Call(json={"resource": "movies", "format": "csv"})


def own_list_remove(list_name: str) -> Prepare:
    """A new movie in the caller's own list (``me``), removed by the caller."""

    async def prepare(world: World, caller: str) -> Call:
        movie_id = await world.movie()
        if caller != "anonymous":
            await world.post(caller, f"/v1/users/me/{list_name}", {"movie_id": movie_id, "country": "US"})
        return Call(path={"movie_id": movie_id})

    return prepare


def _list_rows() -> dict[tuple[str, str], Row]:
    rows: dict[tuple[str, str], Row] = {}
    for name in ("saved-movies", "favorites", "wishlist"):
        rows[("POST", f"/v1/users/{{user_id}}/{name}")] = owner_or_admin(201, list_add(name))
        rows[("GET", f"/v1/users/{{user_id}}/{name}")] = owner_or_admin(200, list_read(name))
        rows[("DELETE", f"/v1/users/{{user_id}}/{name}/{{movie_id}}")] = owner_or_admin(204, list_remove(name))
        # ``me`` (documented on the {user_id} routes, mounted on its own): always the caller's list
        rows[("POST", f"/v1/users/me/{name}")] = readers(201, list_add(name))
        rows[("GET", f"/v1/users/me/{name}")] = readers(200, list_read(name))
        rows[("DELETE", f"/v1/users/me/{name}/{{movie_id}}")] = readers(204, own_list_remove(name))
    return rows


MATRIX: dict[tuple[str, str], Row] = {
    # operations
    ("GET", "/healthz"): everyone(200),
    ("GET", "/readyz"): everyone(200),
    ("GET", "/metrics"): everyone(200),
    # identity: public routes
    ("POST", "/v1/auth/register"): everyone(201, new_username),
    ("POST", "/v1/auth/login"): everyone(200, member_login),
    ("POST", "/v1/auth/refresh"): everyone(200, fresh_refresh_token),
    ("POST", "/v1/auth/activate"): everyone(422, body({"token": "not-a-real-activation-token"})),
    ("POST", "/v1/auth/password-reset"): everyone(202, body({"email": "nobody@example.com"})),
    ("POST", "/v1/auth/password-reset/confirm"): everyone(
        422, body({"token": "not-a-real-reset-token", "new_password": "brand-new-2026"})
    ),
    # identity: the caller's own account
    ("POST", "/v1/auth/logout"): readers(204, fresh_session),
    ("GET", "/v1/users/me"): readers(200),
    ("PATCH", "/v1/users/me"): readers(200, body({"display_name": "Renamed"})),
    ("PUT", "/v1/users/me/password"): readers(204, password_change),
    ("GET", "/v1/users/{user_id}"): readers(200),
    ("GET", "/v1/users"): admin_only(200),
    ("PUT", "/v1/users/{user_id}/roles"): admin_only(200, body({"roles": ["member"]})),
    # catalog
    ("GET", "/v1/movies"): readers(200),
    ("POST", "/v1/movies"): readers(201, new_movie_body),
    ("GET", "/v1/movies/{movie_id}"): readers(200),
    ("PATCH", "/v1/movies/{movie_id}"): owner_or_admin(200, movie_patch),
    ("DELETE", "/v1/movies/{movie_id}"): owner_or_admin(204, fresh_movie),
    ("GET", "/v1/genres"): readers(200),
    ("POST", "/v1/genres"): admin_only(201, new_genre),
    ("GET", "/v1/genres/{genre_id}"): readers(200),
    ("GET", "/v1/countries"): readers(200),
    ("POST", "/v1/countries"): admin_only(201, new_country),
    ("GET", "/v1/countries/{code}"): readers(200),
    ("GET", "/v1/directors"): readers(200),
    ("POST", "/v1/directors"): readers(201, new_person),
    ("GET", "/v1/directors/{director_id}"): readers(200),
    ("PUT", "/v1/directors/{director_id}/photo"): readers(200, photo),
    ("GET", "/v1/directors/{director_id}/photo"): readers(200),
    ("GET", "/v1/actors"): readers(200),
    ("POST", "/v1/actors"): readers(201, new_person),
    ("GET", "/v1/actors/{actor_id}"): readers(200),
    # ratings: public to authenticated users; one's own rating is one's own
    ("PUT", "/v1/movies/{movie_id}/rating"): readers(201, rate_fresh_movie),
    ("GET", "/v1/movies/{movie_id}/rating"): Row(member=200, other=404, admin=404),
    ("DELETE", "/v1/movies/{movie_id}/rating"): readers(204, rated_fresh_movie),
    ("GET", "/v1/movies/{movie_id}/ratings"): readers(200),
    ("GET", "/v1/users/{user_id}/ratings"): readers(200),
    ("GET", "/v1/users/me/ratings"): readers(200),
    # lists: private to their owner (and administrators)
    **_list_rows(),
    # exports: the owner's only; everyone else (administrators included) gets 404
    ("POST", "/v1/exports"): readers(202, new_export),
    ("GET", "/v1/exports"): readers(200),
    ("GET", "/v1/exports/{export_id}"): Row(member=200, other=404, admin=404),
    ("GET", "/v1/exports/{export_id}/download"): Row(member=200, other=404, admin=404),
}


class EnqueueNothing:
    async def __call__(self, name: str, args: tuple[str, ...]) -> bool:
        return True


@pytest.fixture
async def world(
    api: httpx.AsyncClient,
    member: Account,
    other_member: Account,
    admin: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> World:
    # exports are built in this process (below), not by whatever worker runs in the session
    monkeypatch.setattr("modules.exports.deps.enqueue_task", EnqueueNothing())
    world = World(api, {"member": member, "other": other_member, "admin": admin})
    world.ids["genre_id"] = (await world.post("admin", "/v1/genres", {"name": "Drama"}))["id"]
    await world.post("admin", "/v1/countries", {"code": "US", "name": "United States"})
    world.ids["code"] = "US"
    world.ids["director_id"] = (await world.post("member", "/v1/directors", {"name": "Greta Gerwig"}))["id"]
    world.ids["actor_id"] = (await world.post("member", "/v1/actors", {"name": "Saoirse Ronan"}))["id"]
    world.ids["movie_id"] = await world.movie()
    world.ids["user_id"] = member.id
    uploaded = await api.put(
        f"/v1/directors/{world.ids['director_id']}/photo",
        content=JPEG,
        headers={**member.headers, "Content-Type": "image/jpeg"},
    )
    assert uploaded.status_code == 200, uploaded.text
    rated = await api.put(f"/v1/movies/{world.ids['movie_id']}/rating", json={"score": 8}, headers=member.headers)
    assert rated.status_code == 201, rated.text
    export = await world.post("member", "/v1/exports", {"resource": "movies", "format": "csv"}, status=202)
    assert (await build_export_builder().run(export["id"])).outcome == "succeeded"
    world.ids["export_id"] = export["id"]
    return world


async def _call(world: World, method: str, path: str, row: Row, caller: str) -> httpx.Response:
    call = await row.prepare(world, caller) if row.prepare else Call()
    url = path.format(**{**world.ids, **call.path})
    headers = {**world.headers(caller), **call.headers}
    if call.content is not None:
        return await world.api.request(method, url, content=call.content, headers=headers, params=call.params)
    return await world.api.request(method, url, json=call.json, headers=headers, params=call.params)


def test_every_route_has_a_row(app: Litestar) -> None:
    routes = {(method, path) for method, path, _ in route_table(app)}
    assert sorted(routes - set(MATRIX)) == [], "routes without a row in the authorisation matrix"
    assert sorted(set(MATRIX) - routes) == [], "rows for routes the app does not have"


async def test_authorisation_matrix(world: World, app: Litestar) -> None:
    mismatches: list[str] = []
    for method, path, handler in route_table(app):
        row = MATRIX.get((method, path))
        if row is None:
            mismatches.append(f"{method} {path}: no row")
            continue
        if not is_public(handler) and path.startswith("/v1/"):
            assert row.anonymous == 401, f"{method} {path} is protected: anonymous must be 401"
        for caller in CALLERS:
            response = await _call(world, method, path, row, caller)
            if response.status_code != row.expected(caller):
                mismatches.append(
                    f"{method} {path} as {caller}: {response.status_code} != {row.expected(caller)} {response.text[:200]}"
                )
            elif response.status_code == 401:
                assert error_of(response)["code"] in ("UNAUTHENTICATED", "INVALID_CREDENTIALS")
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
            elif response.status_code == 403:
                assert error_of(response)["code"] == "FORBIDDEN"
            elif response.status_code == 404 and path.startswith("/v1/exports/"):
                assert error_of(response)["code"] == "EXPORT_NOT_FOUND"
    assert mismatches == [], "\n".join(mismatches)
