"""The synthetic documents, in exactly the shapes the modules' Beanie documents store."""

from __future__ import annotations

import hashlib
import random
import struct
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from bench.generate._vocabulary import ADJECTIVES, COUNTRIES, FIRST, GENRES, GOALS, LAST, NOUNS, PLACES, REVIEWS, ROLES
from modules.catalog.services import person_search_fields
from modules.catalog.text import name_key, tokens
from modules.ratings.services import MovieAggregate, UserStats

BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)
HISTORY_SECONDS = 3 * 365 * 86_400
# the collections written, in load order (also the kind byte of the generated ids)
ORDER = ("countries", "genres", "directors", "actors", "movies", "ratings", "list_entries", "users")


def _stamp(rng: random.Random) -> datetime:
    """A deterministic moment in the three years before BASE_TIME (whole milliseconds)."""
    return BASE_TIME - timedelta(milliseconds=rng.randrange(HISTORY_SECONDS * 1000))


@dataclass(frozen=True)
class Plan:
    movies: int

    @property
    def directors(self) -> int:
        return max(1, self.movies // 20)

    @property
    def actors(self) -> int:
        return max(1, self.movies // 10)

    @property
    def users(self) -> int:
        return max(2, self.movies // 50)


class CatalogGenerator:
    """Builds the documents; ids are derived from the seed, so the same seed gives the same data."""

    def __init__(self, plan: Plan, seed: int, *, password_hash: str, permissions: list[str]) -> None:
        self.plan = plan
        self._rng = random.Random(seed)
        self._salt = hashlib.sha256(f"marquee-bench-{seed}".encode()).digest()[:3]
        self._password_hash = password_hash
        self._permissions = permissions
        counts = random.Random(seed + 1)
        self.ratings_per_movie = [min(plan.users, counts.randint(5, 15)) for _ in range(plan.movies)]
        self.entries_per_user = [
            tuple(min(plan.movies, counts.randint(low, high)) for low, high in ((2, 8), (1, 5), (1, 8)))
            for _ in range(plan.users)
        ]
        self._movie_countries: list[tuple[str, ...]] = []
        self._user_ratings = [0] * plan.users
        self._user_score_totals = [0] * plan.users
        self._titles: Counter[str] = Counter()
        self._serials: Counter[str] = Counter()

    def totals(self) -> dict[str, int]:
        plan = self.plan
        return {
            "countries": len(COUNTRIES),
            "genres": len(GENRES),
            "directors": plan.directors,
            "actors": plan.actors,
            "movies": plan.movies,
            "ratings": sum(self.ratings_per_movie),
            "list_entries": sum(sum(sizes) for sizes in self.entries_per_user),
            "users": plan.users,
        }

    def oid(self, kind: str, index: int) -> ObjectId:
        return ObjectId(struct.pack(">IB3sI", int(BASE_TIME.timestamp()), ORDER.index(kind), self._salt, index))

    def next_oid(self, kind: str) -> ObjectId:
        """The next id of a kind whose documents are numbered as they are made (ratings, entries)."""
        self._serials[kind] += 1
        return self.oid(kind, self._serials[kind])

    def username(self, index: int) -> str:
        return f"bench{index + 1:06d}"

    def countries(self) -> Iterator[dict[str, Any]]:
        for index, (code, name, _) in enumerate(COUNTRIES):
            yield {"_id": self.oid("countries", index), "code": code, "name": name, "created_at": BASE_TIME}

    def genres(self) -> Iterator[dict[str, Any]]:
        for index, name in enumerate(GENRES):
            yield {"_id": self.oid("genres", index), "name": name, "name_key": name_key(name), "created_at": BASE_TIME}

    def people(self, kind: str, count: int) -> Iterator[dict[str, Any]]:
        rng = self._rng
        for index in range(count):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            born = datetime(rng.randint(1920, 2000), rng.randint(1, 12), rng.randint(1, 28), tzinfo=UTC)
            created = _stamp(rng)
            person = {
                "_id": self.oid(kind, index),
                "name": name,
                "name_key": name_key(name),
                **person_search_fields(name),
                "date_of_birth": born,
                "created_by_id": None,
                "created_at": created,
                "updated_at": created,
            }
            if kind == "directors":
                person.update(photo_key=None, photo_content_type=None)
            yield person

    def _title(self) -> str:
        rng = self._rng
        pattern = rng.randrange(3)
        if pattern == 0:
            base = f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        elif pattern == 1:
            base = f"{rng.choice(NOUNS)} of {rng.choice(PLACES)}"
        else:
            base = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} of {rng.choice(PLACES)}"
        self._titles[base] += 1
        number = self._titles[base]
        return base if number == 1 else f"{base} {number}"  # bases hold no digits: titles stay unique

    def _availability(self) -> tuple[str, ...]:
        chosen = tuple(code for code, _, share in COUNTRIES if self._rng.random() < share)
        return chosen or (COUNTRIES[0][0],)

    def movies_and_ratings(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Each movie with its ratings, so its aggregate is exactly what its ratings give."""
        rng, plan = self._rng, self.plan
        for index in range(plan.movies):
            movie_id = self.oid("movies", index)
            scores: Counter[int] = Counter()
            quality = rng.uniform(3.5, 9.0)
            for user in rng.sample(range(plan.users), self.ratings_per_movie[index]):
                score = max(1, min(10, round(rng.gauss(quality, 1.6))))
                scores[score] += 1
                self._user_ratings[user] += 1
                self._user_score_totals[user] += score
                rated = _stamp(rng)
                yield (
                    "ratings",
                    {
                        "_id": self.next_oid("ratings"),
                        "user_id": str(self.oid("users", user)),
                        "username": self.username(user),
                        "movie_id": str(movie_id),
                        "score": score,
                        "review": rng.choice(REVIEWS) if rng.random() < 0.2 else None,
                        "rated_at": rated,
                        "updated_at": rated,
                    },
                )
            yield "movies", self._movie(index, movie_id, MovieAggregate.from_score_counts(scores))

    def _movie(self, index: int, movie_id: ObjectId, aggregate: MovieAggregate) -> dict[str, Any]:
        rng, plan = self._rng, self.plan
        title = self._title()
        synopsis = f"A {rng.choice(ROLES)} from {rng.choice(PLACES)} {rng.choice(GOALS)}."
        released = datetime(rng.randint(1950, 2025), rng.randint(1, 12), rng.randint(1, 28), tzinfo=UTC)
        cast = [
            {"actor_id": self.oid("actors", actor), "character": f"{rng.choice(FIRST)} {rng.choice(LAST)}"}
            for actor in rng.sample(range(plan.actors), min(plan.actors, rng.randint(2, 6)))
        ]
        countries = self._availability()
        self._movie_countries.append(countries)
        creator = rng.randrange(plan.users)
        created = _stamp(rng)
        return {
            "_id": movie_id,
            "title": title,
            "title_key": name_key(title),
            "synopsis": synopsis,
            "release_date": released,
            "year": released.year,
            "runtime_minutes": max(1, min(1000, round(rng.gauss(110, 22)))),
            "genre_ids": [self.oid("genres", g) for g in rng.sample(range(len(GENRES)), rng.choice((1, 2, 2, 3)))],
            "director_id": self.oid("directors", rng.randrange(plan.directors)),
            "cast": cast,
            "cast_actor_ids": [member["actor_id"] for member in cast],
            "countries": list(countries),
            "title_tokens": tokens(title),
            "search_tokens": tokens(f"{title}\n{synopsis}"),
            "rating": aggregate.as_dict(),
            "rating_sort": aggregate.average if aggregate.average is not None else -1.0,
            "created_by": {"id": str(self.oid("users", creator)), "username": self.username(creator)},
            "created_by_id": str(self.oid("users", creator)),
            "version": 1,
            "created_at": created,
            "updated_at": created,
        }

    def list_entries(self) -> Iterator[dict[str, Any]]:
        """Needs the movies generated first (the entries carry their movie's availability)."""
        rng = self._rng
        lists = ("saved-movies", "favorites", "wishlist")
        for user, sizes in enumerate(self.entries_per_user):
            for list_name, size in zip(lists, sizes, strict=True):
                for movie in rng.sample(range(self.plan.movies), size):
                    countries = self._movie_countries[movie]
                    yield {
                        "_id": self.next_oid("list_entries"),
                        "user_id": str(self.oid("users", user)),
                        "list_name": list_name,
                        "movie_id": self.oid("movies", movie),
                        "country": rng.choice(countries) if list_name == "saved-movies" else None,
                        "countries": sorted(countries),
                        "date_added": _stamp(rng),
                    }

    def users(self) -> Iterator[dict[str, Any]]:
        """Needs the ratings generated first (the users carry their rating statistics)."""
        for index in range(self.plan.users):
            stats = UserStats.from_totals(self._user_ratings[index], self._user_score_totals[index])
            created = BASE_TIME - timedelta(days=1100, seconds=index)
            username = self.username(index)
            yield {
                "_id": self.oid("users", index),
                "username": username,
                "email": f"{username}@bench.example.com",
                "phone": None,
                "password_hash": self._password_hash,
                "display_name": f"Bench User {index + 1}",
                "date_of_birth": None,
                "roles": ["member"],
                "permissions": list(self._permissions),
                "is_active": True,
                "stats": {"ratings_count": stats.ratings_count, "average_score": stats.average_score},
                "created_at": created,
                "updated_at": created,
            }
