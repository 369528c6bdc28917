"""The demo seed: loaded through the services, idempotent, and usable through the API at once."""

from __future__ import annotations

import httpx

from app.kernel import runtime
from seed.dataset import SeedDataset, load_dataset
from seed.loader import seed_database
from tests.integration.accounts import login
from tests.integration.seed.state import collection_counts, collection_fingerprints

DATASET: SeedDataset = load_dataset()
MEMBER_PASSWORDS = {"alice": "alice-demo-2026", "bob": "bob-demo-2026"}


def _titles(keys: tuple[str, ...] | list[str]) -> set[str]:
    by_key = {movie.title_key: movie.title for movie in DATASET.movies}
    return {by_key[key] for key in keys}


async def _all_pages(
    api: httpx.AsyncClient, url: str, headers: dict[str, str], **params: str
) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    page = 1
    while True:
        response = await api.get(url, params={**params, "page": str(page), "page_size": "100"}, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["data"])
        if page * 100 >= body["total"]:
            assert len(items) == body["total"]
            return items
        page += 1


async def test_seeding_twice_changes_nothing(api: httpx.AsyncClient) -> None:
    first = await seed_database()
    assert first.created["movies"] == len(DATASET.movies) >= 150
    assert first.created["genres"] == len(DATASET.genres)
    assert first.created["countries"] == len(DATASET.countries) == 5
    assert first.created["directors"] == len(DATASET.directors)
    assert first.created["actors"] == len(DATASET.actors)
    assert first.created["members"] == 2 and first.created["admin"] == 1
    counts = await collection_counts()
    assert counts["movies"] == len(DATASET.movies)
    assert counts["users"] == 3
    assert counts["ratings"] == sum(len(member.ratings) for member in DATASET.members)
    before = await collection_fingerprints()

    second = await seed_database()
    assert not second.changed
    assert second.existing == first.created
    assert await collection_counts() == counts
    assert await collection_fingerprints() == before  # not one document changed

    skipped = await seed_database(if_empty=True)
    assert skipped.skipped_not_empty and not skipped.changed
    assert await collection_fingerprints() == before


async def test_if_empty_seeds_an_empty_catalog(api: httpx.AsyncClient) -> None:
    report = await seed_database(if_empty=True)
    assert not report.skipped_not_empty
    assert report.created["movies"] == len(DATASET.movies)


async def test_seeded_admin_logs_in_and_is_admin(api: httpx.AsyncClient) -> None:
    await seed_database()
    settings = runtime.current().settings
    tokens = await login(api, settings.seed_admin_username, settings.seed_admin_password)
    me = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == settings.seed_admin_username
    assert "admin" in me.json()["roles"] and me.json()["is_active"] is True
    # the admin may use an admin-only route
    users = await api.get("/v1/users", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert users.status_code == 200 and users.json()["total"] == 3


async def test_demo_members_see_their_lists_and_ratings(api: httpx.AsyncClient) -> None:
    await seed_database()
    movies = {movie.title_key: movie for movie in DATASET.movies}
    for member in DATASET.members:
        tokens = await login(api, member.username, MEMBER_PASSWORDS[member.username])
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        me = await api.get("/v1/users/me", headers=headers)
        assert me.json()["is_active"] is True
        for country in {code for _, code in member.saved_movies}:
            saved = await _all_pages(api, "/v1/users/me/saved-movies", headers, country=country)
            expected = [key for key, _ in member.saved_movies if country in movies[key].countries]
            assert {item["title"] for item in saved} == _titles(expected), country
        favorites = await _all_pages(api, "/v1/users/me/favorites", headers)
        assert {item["title"] for item in favorites} == _titles(member.favorites)
        wishlist = await _all_pages(api, "/v1/users/me/wishlist", headers)
        assert {item["title"] for item in wishlist} == _titles(member.wishlist)

        rated = await _all_pages(api, "/v1/users/me/ratings", headers)
        by_title = {item["movie"]["title"]: item for item in rated}  # type: ignore[index]
        assert set(by_title) == _titles([rating.title_key for rating in member.ratings])
        for rating in member.ratings:
            item = by_title[movies[rating.title_key].title]
            assert item["score"] == rating.score and item["review"] == rating.review


async def test_rating_aggregates_are_recomputed_without_a_worker(api: httpx.AsyncClient) -> None:
    await seed_database()
    tokens = await login(api, "alice", MEMBER_PASSWORDS["alice"])
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    scores: dict[str, list[int]] = {}
    for member in DATASET.members:
        for rating in member.ratings:
            scores.setdefault(rating.title_key, []).append(rating.score)
    titles = {movie.title_key: movie.title for movie in DATASET.movies}
    for key, given in scores.items():
        found = await api.get("/v1/movies", params={"title": titles[key]}, headers=headers)
        movie = next(item for item in found.json()["data"] if item["title"] == titles[key])
        assert movie["rating"]["count"] == len(given), titles[key]
        assert movie["rating"]["average"] == round(sum(given) / len(given), 1), titles[key]
    rated = await api.get("/v1/movies", params={"min_rating": "0", "page_size": "100"}, headers=headers)
    assert rated.json()["total"] == len(scores)
    profile = await api.get("/v1/users/me", headers=headers)
    public = await api.get(f"/v1/users/{profile.json()['id']}", headers=headers)
    alice = next(member for member in DATASET.members if member.username == "alice")
    assert public.json()["stats"]["ratings_count"] == len(alice.ratings)
