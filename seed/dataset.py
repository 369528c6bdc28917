"""Reading the seed files into a validated, fully resolved :class:`SeedDataset`.

Nothing here touches the database. Every file is parsed into typed records, every record is
checked against the rules of the module that will store it, and every reference (genre,
director, actor and country names in movies; movie titles and countries in accounts) is
resolved, before the loader writes anything. The first problem stops everything with a
:class:`SeedDataError` naming the file and the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from modules.catalog.schemas import MovieCreate
from modules.catalog.text import name_key
from modules.identity.schemas import RegisterRequest
from modules.ratings.schemas import RatingPut
from seed.records import (
    AccountsFile,
    CountryRecord,
    GenreRecord,
    MemberRecord,
    MovieRecord,
    PersonRecord,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
MOVIES_DIR = "movies"

RecordT = TypeVar("RecordT", bound=BaseModel)


class SeedDataError(Exception):
    """A seed file that cannot be loaded: which file, which record (1-based), and why."""

    def __init__(self, file: Path, problem: str, *, record: int | None = None, label: str | None = None) -> None:
        self.file = file
        self.problem = problem
        self.record = record
        self.label = label
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = str(self.file)
        if self.record is not None:
            where += f": record {self.record}"
            if self.label:
                where += f" ({self.label!r})"
        return f"{where}: {self.problem}"


@dataclass(frozen=True, slots=True)
class PersonKey:
    """How a director or actor is recognised in the database: normalised name and birth date."""

    name_key: str
    date_of_birth: date | None


@dataclass(frozen=True, slots=True)
class SeedPerson:
    name: str
    date_of_birth: date | None

    @property
    def key(self) -> PersonKey:
        return PersonKey(name_key(self.name), self.date_of_birth)


@dataclass(frozen=True, slots=True)
class SeedCastMember:
    actor: PersonKey
    character: str


@dataclass(frozen=True, slots=True)
class SeedMovie:
    title: str
    title_key: str
    release_date: date
    runtime_minutes: int
    synopsis: str | None
    genre_keys: tuple[str, ...]
    director: PersonKey
    cast: tuple[SeedCastMember, ...]
    countries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SeedRating:
    title_key: str
    score: int
    review: str | None


@dataclass(frozen=True, slots=True)
class SeedMember:
    registration: RegisterRequest
    ratings: tuple[SeedRating, ...]
    saved_movies: tuple[tuple[str, str], ...]  # (title_key, country)
    favorites: tuple[str, ...]
    wishlist: tuple[str, ...]

    @property
    def username(self) -> str:
        return self.registration.username


@dataclass(frozen=True)
class SeedDataset:
    genres: list[GenreRecord] = field(default_factory=list)
    countries: list[CountryRecord] = field(default_factory=list)
    directors: list[SeedPerson] = field(default_factory=list)
    actors: list[SeedPerson] = field(default_factory=list)
    movies: list[SeedMovie] = field(default_factory=list)
    members: list[SeedMember] = field(default_factory=list)


def _problems(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        parts.append(f"{location}: {error['msg']}" if location else str(error["msg"]))
    return "; ".join(parts)


def _label(raw: object, *keys: str) -> str | None:
    if isinstance(raw, dict):
        for key in keys:
            value = raw.get(key)
            if isinstance(value, str) and value.strip():
                return value
    return None


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise SeedDataError(path, "file is missing")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SeedDataError(path, f"not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise SeedDataError(path, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc


def _read_array(path: Path) -> list[Any]:
    data = _read_json(path)
    if not isinstance(data, list):
        raise SeedDataError(path, f"must hold a JSON array of records, not a {type(data).__name__}")
    return data


@dataclass(frozen=True, slots=True)
class _Located:
    """A record and where it came from, for error messages."""

    file: Path
    number: int
    label: str | None

    def error(self, problem: str) -> SeedDataError:
        return SeedDataError(self.file, problem, record=self.number, label=self.label)


def _records(path: Path, model: type[RecordT], *label_keys: str) -> list[tuple[_Located, RecordT]]:
    records = []
    for number, raw in enumerate(_read_array(path), start=1):
        where = _Located(path, number, _label(raw, *label_keys))
        try:
            records.append((where, model.model_validate(raw)))
        except ValidationError as exc:
            raise where.error(_problems(exc)) from exc
    return records


def _unique(items: Iterable[tuple[_Located, str]], what: str) -> None:
    seen: set[str] = set()
    for where, key in items:
        if key in seen:
            raise where.error(f"another record has the same {what} (compared case-insensitively)")
        seen.add(key)


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def _people(path: Path, what: str) -> tuple[list[SeedPerson], dict[str, PersonKey]]:
    records = _records(path, PersonRecord, "name")
    _unique(((where, name_key(record.name)) for where, record in records), f"{what} name")
    people = [SeedPerson(record.name, record.date_of_birth) for _, record in records]
    return people, {person.key.name_key: person.key for person in people}


def _movie_files(data_dir: Path) -> list[Path]:
    folder = data_dir / MOVIES_DIR
    if not folder.is_dir():
        raise SeedDataError(folder, "directory is missing")
    files = sorted(folder.glob("*.json"))
    if not files:
        raise SeedDataError(folder, "holds no *.json file")
    return files


@dataclass(frozen=True)
class _References:
    genres: set[str]
    countries: set[str]
    directors: dict[str, PersonKey]
    actors: dict[str, PersonKey]


def _placeholder_id(number: int) -> str:
    return f"{number:024x}"


def _movie(where: _Located, record: MovieRecord, refs: _References) -> SeedMovie:
    """Resolve a movie's names and check it against the catalog's own ``MovieCreate`` rules."""
    genre_keys = tuple(name_key(genre) for genre in record.genres)
    for genre, key in zip(record.genres, genre_keys, strict=True):
        if key not in refs.genres:
            raise where.error(f"genres: {genre!r} is not in genres.json")
    if _duplicates(genre_keys):
        raise where.error("genres: a genre is listed twice")
    director = refs.directors.get(name_key(record.director))
    if director is None:
        raise where.error(f"director: {record.director!r} is not in directors.json")
    cast = []
    for member in record.cast:
        actor = refs.actors.get(name_key(member.actor))
        if actor is None:
            raise where.error(f"cast: {member.actor!r} is not in actors.json")
        cast.append(SeedCastMember(actor, member.character))
    if _duplicates(member.actor.name_key for member in cast):
        raise where.error("cast: an actor is listed twice")
    for code in record.countries:
        if code not in refs.countries:
            raise where.error(f"countries: {code!r} is not in countries.json")
    try:
        checked = MovieCreate(
            title=record.title,
            release_date=record.release_date,
            year=record.release_date.year,
            runtime_minutes=record.runtime_minutes,
            genre_ids=[_placeholder_id(number) for number in range(len(genre_keys))],
            director_id=_placeholder_id(0),
            synopsis=record.synopsis,
            cast=[{"actor_id": _placeholder_id(0), "character": member.character} for member in cast],
            countries=list(record.countries),
        )
    except ValidationError as exc:
        raise where.error(_problems(exc)) from exc
    return SeedMovie(
        title=checked.title,
        title_key=name_key(checked.title),
        release_date=record.release_date,
        runtime_minutes=checked.runtime_minutes,
        synopsis=checked.synopsis or None,
        genre_keys=genre_keys,
        director=director,
        cast=tuple(
            SeedCastMember(member.actor, entry.character) for member, entry in zip(cast, checked.cast, strict=True)
        ),
        countries=tuple(checked.countries),
    )


def _movies(data_dir: Path, refs: _References) -> list[SeedMovie]:
    movies: list[tuple[_Located, SeedMovie]] = []
    for path in _movie_files(data_dir):
        movies.extend((where, _movie(where, record, refs)) for where, record in _records(path, MovieRecord, "title"))
    _unique(((where, movie.title_key) for where, movie in movies), "title")
    return [movie for _, movie in movies]


def _titles(where: _Located, values: Iterable[str], movies: dict[str, SeedMovie], field_name: str) -> tuple[str, ...]:
    keys = []
    for title in values:
        key = name_key(title)
        if key not in movies:
            raise where.error(f"{field_name}: the movie {title!r} is not in movies/")
        keys.append(key)
    if _duplicates(keys):
        raise where.error(f"{field_name}: a movie is listed twice")
    return tuple(keys)


def _member(where: _Located, record: MemberRecord, movies: dict[str, SeedMovie], countries: set[str]) -> SeedMember:
    try:
        registration = RegisterRequest(
            username=record.username,
            password=record.password,
            email=record.email,
            display_name=record.display_name,
        )
    except ValidationError as exc:
        raise where.error(_problems(exc)) from exc
    ratings = []
    rated = _titles(where, (rating.movie for rating in record.ratings), movies, "ratings")
    for key, rating in zip(rated, record.ratings, strict=True):
        try:
            checked = RatingPut(score=rating.score, review=rating.review)
        except ValidationError as exc:
            raise where.error(f"ratings ({rating.movie!r}): {_problems(exc)}") from exc
        ratings.append(SeedRating(key, checked.score, checked.review))
    saved_keys = _titles(where, (saved.movie for saved in record.saved_movies), movies, "saved_movies")
    saved = []
    for key, entry in zip(saved_keys, record.saved_movies, strict=True):
        if entry.country not in countries:
            raise where.error(f"saved_movies: {entry.country!r} is not in countries.json")
        if entry.country not in movies[key].countries:
            raise where.error(f"saved_movies: {entry.movie!r} is not available in {entry.country}")
        saved.append((key, entry.country))
    return SeedMember(
        registration=registration,
        ratings=tuple(ratings),
        saved_movies=tuple(saved),
        favorites=_titles(where, record.favorites, movies, "favorites"),
        wishlist=_titles(where, record.wishlist, movies, "wishlist"),
    )


def _members(path: Path, movies: dict[str, SeedMovie], countries: set[str]) -> list[SeedMember]:
    try:
        accounts = AccountsFile.model_validate(_read_json(path))
    except ValidationError as exc:
        raise SeedDataError(path, _problems(exc)) from exc
    members: list[tuple[_Located, SeedMember]] = []
    for number, raw in enumerate(accounts.members, start=1):
        where = _Located(path, number, _label(raw, "username"))
        try:
            record = MemberRecord.model_validate(raw)
        except ValidationError as exc:
            raise where.error(_problems(exc)) from exc
        members.append((where, _member(where, record, movies, countries)))
    _unique(((where, member.username.casefold()) for where, member in members), "username")
    return [member for _, member in members]


def load_dataset(data_dir: Path = DATA_DIR) -> SeedDataset:
    """Every seed file, validated and resolved (raises :class:`SeedDataError` on the first problem)."""
    genres = _records(data_dir / "genres.json", GenreRecord, "name")
    _unique(((where, name_key(record.name)) for where, record in genres), "genre name")
    countries = _records(data_dir / "countries.json", CountryRecord, "code", "name")
    _unique(((where, record.code) for where, record in countries), "country code")
    directors, director_keys = _people(data_dir / "directors.json", "director")
    actors, actor_keys = _people(data_dir / "actors.json", "actor")
    refs = _References(
        genres={name_key(record.name) for _, record in genres},
        countries={record.code for _, record in countries},
        directors=director_keys,
        actors=actor_keys,
    )
    movies = _movies(data_dir, refs)
    by_title = {movie.title_key: movie for movie in movies}
    members = _members(data_dir / "accounts.json", by_title, refs.countries)
    return SeedDataset(
        genres=[record for _, record in genres],
        countries=[record for _, record in countries],
        directors=directors,
        actors=actors,
        movies=movies,
        members=members,
    )
