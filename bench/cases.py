"""What the bench asks of the API: the representative listings and the data each case walks.

The five listings cover the index rules of ``modules.catalog.services._query``: the default
order (the ``year`` index), a genre filter with a rating sort (sort index, filter checked on the
way), a multikey country filter with a year range and a title sort, a rating range with a date
sort, and a relevance-ranked full-text search. Each runs at page 1 and page 50 (page size 20).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from pymongo import MongoClient

PAGE_SIZE = 20
PAGES = (1, 50)
GENRE_FOR_LISTING = "Drama"


@dataclass(frozen=True)
class Listing:
    name: str
    params: dict[str, Any]

    def query(self, page: int, page_size: int = PAGE_SIZE) -> dict[str, Any]:
        query = dict(self.params)
        query["page"] = page
        query["page_size"] = page_size
        return query

    def path(self, page: int, page_size: int = PAGE_SIZE) -> str:
        return f"/v1/movies?{urlencode(self.query(page, page_size), doseq=True)}"

    def filters(self) -> dict[str, Any]:
        """The ``MovieListFilters`` fields (without paging)."""
        return dict(self.params)


def listings(genre_id: str) -> list[Listing]:
    return [
        Listing("default (-year)", {}),
        Listing("genre, -rating", {"genre": [genre_id], "sort": "-rating"}),
        Listing("country+years, title", {"country": "FR", "year_from": 1990, "year_to": 2010, "sort": "title"}),
        Listing("min_rating, -release_date", {"min_rating": 7, "sort": "-release_date"}),
        Listing("q (relevance)", {"q": "silent river"}),
    ]


def explain_matrix(genre_id: str, director_id: str, actor_id: str, user_id: str) -> list[Listing]:
    """Every sort alone, every filter alone (default sort), and the representative listings."""
    sorts = [
        "year",
        "-year",
        "title",
        "-title",
        "rating",
        "-rating",
        "runtime",
        "-runtime",
        "release_date",
        "-release_date",
        "created_at",
        "-created_at",
    ]
    filters: list[tuple[str, dict[str, Any]]] = [
        ("q", {"q": "river"}),
        ("q + sort", {"q": "river", "sort": "title"}),
        ("title", {"title": "river"}),
        ("genre", {"genre": [genre_id]}),
        ("year", {"year": 2000}),
        ("year range", {"year_from": 1990, "year_to": 2000}),
        ("released range", {"released_from": "1990-01-01", "released_to": "2000-12-31"}),
        ("country", {"country": "FR"}),
        ("country + -rating", {"country": "FR", "sort": "-rating"}),
        ("director", {"director": director_id}),
        ("actor", {"actor": actor_id}),
        ("rating range", {"min_rating": 5, "max_rating": 8}),
        ("runtime range", {"runtime_min": 90, "runtime_max": 120}),
        ("created_by", {"created_by": user_id}),
    ]
    matrix = [Listing(f"sort={sort}", {"sort": sort}) for sort in sorts]
    matrix += [Listing(f"filter {name}", params) for name, params in filters]
    return matrix + listings(genre_id)


@dataclass
class Catalog:
    """Ids the cases need, read from the generated database."""

    genre_id: str
    director_id: str
    actor_id: str
    movie_ids: list[str]
    usernames: list[str]
    user_ids: list[str]
    saved_countries: dict[str, list[str]]

    @classmethod
    def read(cls, mongodb_url: str, database: str, *, seed: int = 7) -> Catalog:
        client: MongoClient[dict[str, Any]] = MongoClient(mongodb_url, tz_aware=True)
        try:
            db = client[database]
            genre = db.genres.find_one({"name": GENRE_FOR_LISTING}) or db.genres.find_one({})
            director = db.directors.find_one({})
            actor = db.actors.find_one({})
            if genre is None or director is None or actor is None:
                raise RuntimeError("the generated catalog is empty")
            movie_ids = [str(raw["_id"]) for raw in db.movies.find({}, {"_id": 1})]
            users = list(db.users.find({"username": {"$regex": "^bench"}}, {"username": 1}))
            users.sort(key=lambda raw: raw["username"])
            saved: dict[str, set[str]] = {}
            for entry in db.list_entries.find({"list_name": "saved-movies"}, {"user_id": 1, "country": 1}):
                if entry.get("country"):
                    saved.setdefault(str(entry["user_id"]), set()).add(str(entry["country"]))
        finally:
            client.close()
        random.Random(seed).shuffle(movie_ids)
        return cls(
            genre_id=str(genre["_id"]),
            director_id=str(director["_id"]),
            actor_id=str(actor["_id"]),
            movie_ids=movie_ids,
            usernames=[str(raw["username"]) for raw in users],
            user_ids=[str(raw["_id"]) for raw in users],
            saved_countries={user: sorted(countries) for user, countries in saved.items()},
        )
