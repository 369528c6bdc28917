"""The benchmark data generator: counts, consistent documents the API serves, determinism."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import bson
import httpx
import pytest
from beanie import Document

from app.kernel import runtime
from bench.generate import BENCH_PASSWORD, CatalogGenerator, DatabaseNotEmpty, Plan, generate
from modules.catalog.documents import Actor, Country, Director, Genre, Movie
from modules.catalog.services import person_search_fields
from modules.catalog.text import name_key, tokens
from modules.identity.documents import User
from modules.lists.documents import ListEntry
from modules.ratings.documents import Rating
from modules.ratings.services import AggregateService
from tests.integration.accounts import login
from tests.integration.seed.state import collection_counts

MOVIES = 300
SEED = 7
DOCUMENTS: dict[str, type[Document]] = {
    "countries": Country,
    "genres": Genre,
    "directors": Director,
    "actors": Actor,
    "movies": Movie,
    "ratings": Rating,
    "list_entries": ListEntry,
    "users": User,
}


async def _raw(collection: str, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cursor = runtime.current().db[collection].find(query or {}).sort("_id", 1)
    return [dict(document) async for document in cursor]


async def _indexes() -> dict[str, list[dict[str, Any]]]:
    db = runtime.current().db
    return {
        name: sorted(([dict(spec) async for spec in await db[name].list_indexes()]), key=lambda spec: spec["name"])
        for name in DOCUMENTS
    }


async def _generated_fingerprint() -> str:
    """Every generated document (the seed admin, created anew each time, left out)."""
    digest = hashlib.sha256()
    for collection in DOCUMENTS:
        query = {"username": {"$regex": "^bench"}} if collection == "users" else None
        for document in await _raw(collection, query):
            digest.update(bson.encode(document))
    return digest.hexdigest()


async def test_counts_match_the_plan_and_documents_are_complete(api: httpx.AsyncClient) -> None:
    indexes_before = await _indexes()
    summary = await generate(MOVIES, SEED)
    expected = CatalogGenerator(Plan(MOVIES), SEED, password_hash="", permissions=[]).totals()
    assert summary.written == expected
    assert expected["movies"] == MOVIES and expected["directors"] == MOVIES // 20
    assert expected["actors"] == MOVIES // 10 and expected["users"] == MOVIES // 50
    assert expected["ratings"] >= 5 * MOVIES  # at most N/50 raters per movie at this small N
    counts = await collection_counts()
    for collection, count in expected.items():
        assert counts[collection] == count + (1 if collection == "users" else 0), collection  # + the seed admin
    # every index the migrations made is back, identical
    assert await _indexes() == indexes_before
    # every document is what its Beanie document would store: same fields, valid values
    for collection, document in DOCUMENTS.items():
        for raw in await _raw(collection):
            parsed = document.model_validate(raw)
            assert set(parsed.model_dump(by_alias=True)) == set(raw), (collection, set(raw))


async def test_denormalised_fields_agree_with_their_sources(api: httpx.AsyncClient) -> None:
    await generate(MOVIES, SEED)
    movies = {movie["_id"]: movie for movie in await _raw("movies")}
    genres = {genre["_id"] for genre in await _raw("genres")}
    directors = {director["_id"] for director in await _raw("directors")}
    actors = {actor["_id"]: actor for actor in await _raw("actors")}
    countries = {country["code"] for country in await _raw("countries")}
    recomputed = await AggregateService.compute_movies([str(movie_id) for movie_id in movies])
    for movie_id, movie in movies.items():
        assert movie["title_key"] == name_key(movie["title"])
        assert movie["title_tokens"] == tokens(movie["title"])
        assert movie["search_tokens"] == tokens(f"{movie['title']}\n{movie['synopsis']}")
        assert movie["cast_actor_ids"] == [member["actor_id"] for member in movie["cast"]]
        assert set(movie["genre_ids"]) <= genres and movie["director_id"] in directors
        assert set(movie["cast_actor_ids"]) <= set(actors) and set(movie["countries"]) <= countries
        assert movie["year"] == movie["release_date"].year
        aggregate = recomputed[str(movie_id)]
        assert movie["rating"] == aggregate.as_dict()
        assert movie["rating_sort"] == (aggregate.average if aggregate.average is not None else -1.0)
    for actor in actors.values():
        fields = person_search_fields(actor["name"])
        assert (actor["search_tokens"], actor["search_prefixes"]) == (
            fields["search_tokens"],
            fields["search_prefixes"],
        )
    users = {str(user["_id"]): user for user in await _raw("users", {"username": {"$regex": "^bench"}})}
    stats = await AggregateService.compute_users(list(users))
    for user_id, user in users.items():
        assert user["stats"] == {
            "ratings_count": stats[user_id].ratings_count,
            "average_score": stats[user_id].average_score,
        }
    for rating in await _raw("ratings"):
        assert users[rating["user_id"]]["username"] == rating["username"]
    titles_per_list: Counter[tuple[str, str]] = Counter()
    for entry in await _raw("list_entries"):
        movie = movies[entry["movie_id"]]
        assert entry["countries"] == sorted(movie["countries"])
        assert entry["user_id"] in users
        if entry["list_name"] == "saved-movies":
            assert entry["country"] in movie["countries"]
        titles_per_list[(entry["user_id"], entry["list_name"])] += 1
    assert len(titles_per_list) == 3 * len(users)


async def test_the_api_serves_the_generated_catalog(api: httpx.AsyncClient) -> None:
    await generate(MOVIES, SEED)
    tokens_ = await login(api, "bench000001", BENCH_PASSWORD)
    headers = {"Authorization": f"Bearer {tokens_['access_token']}"}

    listing = await api.get("/v1/movies", headers=headers)
    assert listing.status_code == 200 and listing.json()["total"] == MOVIES
    first = listing.json()["data"][0]
    detail = await api.get(f"/v1/movies/{first['id']}", headers=headers)
    assert detail.status_code == 200
    body = detail.json()
    assert body["director"]["name"] and all(genre["name"] for genre in body["genres"])
    assert all(member["name"] for member in body["cast"])

    movies = await _raw("movies")
    genre_id = movies[0]["genre_ids"][0]
    by_genre = await api.get("/v1/movies", params={"genre": str(genre_id)}, headers=headers)
    assert by_genre.json()["total"] == sum(genre_id in movie["genre_ids"] for movie in movies)
    in_japan = await api.get("/v1/movies", params={"country": "JP"}, headers=headers)
    assert in_japan.json()["total"] == sum("JP" in movie["countries"] for movie in movies)
    best = await api.get("/v1/movies", params={"min_rating": "7", "sort": "-rating"}, headers=headers)
    averages = [item["rating"]["average"] for item in best.json()["data"]]
    assert best.json()["total"] == sum(movie["rating_sort"] >= 7 for movie in movies)
    assert averages == sorted(averages, reverse=True) and all(average >= 7 for average in averages)
    word = movies[0]["title_tokens"][0]
    found = await api.get("/v1/movies", params={"q": word}, headers=headers)
    assert found.json()["total"] == sum(word in movie["search_tokens"] for movie in movies)

    me = await api.get("/v1/users/me", headers=headers)
    user = await api.get(f"/v1/users/{me.json()['id']}", headers=headers)
    rated = await api.get("/v1/users/me/ratings", headers=headers)
    assert rated.json()["total"] == user.json()["stats"]["ratings_count"] > 0
    entries = await _raw("list_entries", {"user_id": me.json()["id"]})
    for list_name in ("favorites", "wishlist"):
        listed = await api.get(f"/v1/users/me/{list_name}", headers=headers)
        assert listed.json()["total"] == sum(entry["list_name"] == list_name for entry in entries)
    saved = [entry for entry in entries if entry["list_name"] == "saved-movies"]
    country = saved[0]["country"]
    listed = await api.get("/v1/users/me/saved-movies", params={"country": country}, headers=headers)
    assert listed.json()["total"] == sum(country in entry["countries"] for entry in saved)

    settings = runtime.current().settings
    await login(api, settings.seed_admin_username, settings.seed_admin_password)


async def test_same_seed_same_data_and_a_full_database_is_refused(api: httpx.AsyncClient) -> None:
    await generate(100, SEED)
    first = await _generated_fingerprint()
    with pytest.raises(DatabaseNotEmpty, match="not empty"):
        await generate(100, SEED)
    assert (await generate(100, SEED, if_empty=True)).skipped
    assert await _generated_fingerprint() == first

    replaced = await generate(100, SEED, force=True)
    assert replaced.written["movies"] == 100
    assert await _generated_fingerprint() == first
    await generate(100, SEED + 1, force=True)
    assert await _generated_fingerprint() != first
