"""Integrity of the demo catalog under seed/data: counts, uniqueness, references, dates, accounts."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[3] / "seed" / "data"
COUNTRY_CODES = {"US", "GB", "FR", "DE", "JP"}


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@cache
def movies() -> list[dict[str, Any]]:
    films: list[dict[str, Any]] = []
    for path in sorted((DATA / "movies").glob("*.json")):
        batch = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(batch, list), path.name
        films.extend(batch)
    return films


def names(file: str) -> set[str]:
    return {item["name"] for item in load(file)}


def by_title() -> dict[str, dict[str, Any]]:
    return {film["title"]: film for film in movies()}


def members() -> list[dict[str, Any]]:
    accounts = load("accounts.json")["members"]
    assert isinstance(accounts, list)
    return accounts


def test_counts() -> None:
    assert len(movies()) >= 150
    assert 20 <= len(load("actors.json")) <= 40
    assert 10 <= len(load("genres.json")) <= 15
    assert len(load("countries.json")) == 5


def test_movie_files_are_small_batches() -> None:
    files = sorted((DATA / "movies").glob("*.json"))
    assert files
    for path in files:
        assert len(json.loads(path.read_text(encoding="utf-8"))) <= 20, path.name


def test_record_shapes() -> None:
    assert all(set(g) == {"name"} for g in load("genres.json"))
    assert all(set(c) == {"code", "name"} for c in load("countries.json"))
    for file in ("directors.json", "actors.json"):
        assert all(set(p) == {"name", "date_of_birth"} for p in load(file)), file
    keys = {"title", "release_date", "runtime_minutes", "synopsis", "genres", "director", "cast", "countries"}
    for film in movies():
        assert set(film) == keys, film.get("title")
        assert all(set(member) == {"actor", "character"} for member in film["cast"]), film["title"]


@pytest.mark.parametrize(
    ("file", "key"),
    [
        ("genres.json", "name"),
        ("countries.json", "code"),
        ("countries.json", "name"),
        ("directors.json", "name"),
        ("actors.json", "name"),
    ],
)
def test_reference_names_unique_case_insensitively(file: str, key: str) -> None:
    values = [item[key].casefold() for item in load(file)]
    assert len(values) == len(set(values))


def test_titles_unique_case_insensitively() -> None:
    titles = [film["title"].casefold() for film in movies()]
    duplicates = sorted({t for t in titles if titles.count(t) > 1})
    assert not duplicates


def test_countries_are_the_five_expected() -> None:
    assert {c["code"] for c in load("countries.json")} == COUNTRY_CODES
    assert all(c["name"].strip() for c in load("countries.json"))


def test_people_birth_dates_parse_and_are_past() -> None:
    for file in ("directors.json", "actors.json"):
        for person in load(file):
            assert date.fromisoformat(person["date_of_birth"]) < date.today(), person["name"]


def test_movie_fields_valid() -> None:
    today = date.today()
    for film in movies():
        title = film["title"]
        assert 1 <= len(title) <= 200 and title == title.strip()
        released = date.fromisoformat(film["release_date"])
        assert date(1888, 1, 1) <= released <= today, title
        assert isinstance(film["runtime_minutes"], int) and 1 <= film["runtime_minutes"] <= 1000, title
        assert 0 < len(film["synopsis"]) <= 160, title
        assert 1 <= len(film["genres"]) <= 3 and len(set(film["genres"])) == len(film["genres"]), title
        assert film["countries"] and len(set(film["countries"])) == len(film["countries"]), title


def test_every_reference_resolves() -> None:
    genres, directors, actors = names("genres.json"), names("directors.json"), names("actors.json")
    for film in movies():
        title = film["title"]
        assert set(film["genres"]) <= genres, title
        assert film["director"] in directors, title
        assert set(film["countries"]) <= COUNTRY_CODES, title
        cast_actors = [member["actor"] for member in film["cast"]]
        assert set(cast_actors) <= actors, title
        assert len(cast_actors) == len(set(cast_actors)), title
        assert all(member["character"].strip() for member in film["cast"]), title


def test_director_born_before_release() -> None:
    born = {p["name"]: date.fromisoformat(p["date_of_birth"]) for p in load("directors.json")}
    for film in movies():
        assert born[film["director"]] < date.fromisoformat(film["release_date"]), film["title"]


def test_actor_born_before_release() -> None:
    born = {p["name"]: date.fromisoformat(p["date_of_birth"]) for p in load("actors.json")}
    for film in movies():
        for member in film["cast"]:
            assert born[member["actor"]] < date.fromisoformat(film["release_date"]), film["title"]


def test_enough_multi_genre_films() -> None:
    films = movies()
    assert sum(len(f["genres"]) >= 2 for f in films) >= 0.3 * len(films)


def test_country_availability_sets_differ() -> None:
    sets = {code: frozenset(f["title"] for f in movies() if code in f["countries"]) for code in COUNTRY_CODES}
    assert len(set(sets.values())) == len(COUNTRY_CODES)
    assert all(sets.values())
    assert max(sets, key=lambda code: len(sets[code])) == "US"
    assert any(len(f["countries"]) <= 2 for f in movies())


def test_accounts_shape_and_credentials() -> None:
    accounts = members()
    assert [m["username"] for m in accounts] == ["alice", "bob"]
    for member in accounts:
        username, password = member["username"], member["password"]
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,31}", username)
        assert 8 <= len(password) <= 128
        assert re.search(r"[A-Za-z]", password) and re.search(r"\d", password)
        assert password.casefold() != username.casefold()
        assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", member["email"])
        assert member["display_name"].strip()


def test_account_references_resolve() -> None:
    films = by_title()
    for member in members():
        who = member["username"]
        assert 5 <= len(member["ratings"]) <= 10, who
        for rating in member["ratings"]:
            assert rating["movie"] in films, (who, rating["movie"])
            assert isinstance(rating["score"], int) and 1 <= rating["score"] <= 10, who
            assert set(rating) <= {"movie", "score", "review"}, who
        rated = [r["movie"] for r in member["ratings"]]
        assert len(rated) == len(set(rated)), who
        for saved in member["saved_movies"]:
            assert saved["movie"] in films, (who, saved["movie"])
            assert saved["country"] in films[saved["movie"]]["countries"], (who, saved)
        saved_titles = [s["movie"] for s in member["saved_movies"]]
        assert len(saved_titles) == len(set(saved_titles)), who
        for listed in ("favorites", "wishlist"):
            titles = member[listed]
            assert titles and len(titles) == len(set(titles)), (who, listed)
            assert set(titles) <= set(films), (who, listed, set(titles) - set(films))
