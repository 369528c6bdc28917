"""Loading the demo catalog through the modules' services, idempotently.

The whole data set is read and validated first (:func:`seed.dataset.load_dataset`); a broken
file stops the seed before anything is written. Then every record is looked up by its natural
key (country code, genre ``name_key``, director/actor ``name_key`` + date of birth, movie
``title_key``, username, one list entry per user/list/movie, one rating per user/movie) and only
what is missing is created, through the same services the API uses. A second run therefore
writes nothing. The rating aggregates and the members' statistics are recomputed synchronously
at the end (no worker needed), so a fresh ``just dev`` shows them at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from beanie import PydanticObjectId
from rich.progress import Progress, TaskID

import modules.catalog
from app.kernel import runtime
from app.kernel.settings import Settings
from modules.catalog.documents import Actor, Country, Director, Genre, Movie
from modules.catalog.schemas import CastEntry, MovieCreate
from modules.catalog.services import (
    ActorService,
    CountryService,
    DirectorService,
    GenreService,
    MovieService,
    movie_cache,
)
from modules.catalog.text import name_key
from modules.identity import PERMISSIONS, Principal, ensure_admin
from modules.identity.principal import ADMIN_ROLE, MEMBER_ROLE
from modules.identity.services import UserService
from modules.lists import ListName
from modules.lists.errors import DuplicateSave
from modules.lists.services import ListService
from modules.ratings.errors import NotRated
from modules.ratings.services import AggregateService, Rater, RatingService
from seed.dataset import DATA_DIR, PersonKey, SeedDataset, SeedMember, SeedPerson, load_dataset

log = structlog.get_logger("marquee.seed")


class SeedConflict(Exception):
    """The database holds something the seed cannot reconcile with its data (nothing was written)."""


@dataclass
class SeedReport:
    """What one run created (``created``) and found already there (``existing``), by kind."""

    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)
    skipped_not_empty: bool = False

    @property
    def changed(self) -> bool:
        return sum(self.created.values()) > 0


class _Steps:
    """One progress bar per step over its records (a disabled ``Progress`` when none is given)."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress or Progress(disable=True)
        self._task: TaskID | None = None

    def start(self, description: str, total: int) -> None:
        self._task = self._progress.add_task(description, total=max(total, 1))
        if total == 0:
            self._progress.advance(self._task)

    def advance(self) -> None:
        if self._task is not None:
            self._progress.advance(self._task)


def _seed_principal(admin_id: str, username: str) -> Principal:
    """The seed admin as the services' caller: movies are created by (and owned by) it."""
    return Principal(
        id=admin_id,
        username=username,
        roles=(MEMBER_ROLE, ADMIN_ROLE),
        permissions=tuple(PERMISSIONS),
        is_active=True,
        session_id="seed",
        token_id="seed",  # noqa: S106 - an identifier of the seed run, not a credential
        token_expires_at=datetime.now(UTC),
    )


class SeedLoader:
    def __init__(self, dataset: SeedDataset, settings: Settings, progress: Progress | None = None) -> None:
        self._data = dataset
        self._settings = settings
        self._steps = _Steps(progress)
        self._users = UserService(settings)
        self.report = SeedReport()

    async def run(self) -> SeedReport:
        await self._preflight()
        admin_id = await self._admin()
        principal = _seed_principal(admin_id, self._settings.seed_admin_username)
        await self._countries()
        genres = await self._genres()
        directors = await self._people(Director, DirectorService(), self._data.directors, "directors", admin_id)
        actors = await self._people(Actor, ActorService(), self._data.actors, "actors", admin_id)
        movies = await self._movies(principal, genres, directors, actors)
        members = await self._members()
        rated = await self._lists_and_ratings(members, movies)
        await self._aggregates(rated, list(members.values()))
        log.info("seed_loaded", created=dict(self.report.created), existing=dict(self.report.existing))
        return self.report

    # -- checks before the first write --------------------------------------------------------

    async def _preflight(self) -> None:
        """Reads only: whatever would make a later write fail is refused before the first one."""
        username = self._settings.seed_admin_username
        existing = await self._users.find_by_login(username)
        if existing is not None and ADMIN_ROLE not in existing.roles:
            raise SeedConflict(f"the account {username!r} (SEED_ADMIN_USERNAME) exists and is not an administrator")
        for member in self._data.members:
            if await self._users.find_by_login(member.username) is not None:
                continue
            email = member.registration.email
            if email and await self._users.find_by_email(str(email)) is not None:
                raise SeedConflict(f"accounts.json: {member.username!r}: the email {email} belongs to another account")

    # -- reference data -----------------------------------------------------------------------

    async def _admin(self) -> str:
        self._steps.start("admin account", 1)
        before = await self._users.find_by_login(self._settings.seed_admin_username)
        try:
            admin_id = await ensure_admin(self._settings.seed_admin_username, self._settings.seed_admin_password)
        except ValueError as exc:
            raise SeedConflict(f"SEED_ADMIN_USERNAME / SEED_ADMIN_PASSWORD: {exc}") from exc
        self._count("admin", created=before is None)
        self._steps.advance()
        return admin_id

    async def _countries(self) -> None:
        codes = [record.code for record in self._data.countries]
        existing = {country.code for country in await Country.find({"code": {"$in": codes}}).to_list()}
        service = CountryService()
        self._steps.start("countries", len(codes))
        for record in self._data.countries:
            if record.code not in existing:
                await service.create(record.code, record.name)
            self._count("countries", created=record.code not in existing)
            self._steps.advance()

    async def _genres(self) -> dict[str, PydanticObjectId]:
        keys = [name_key(record.name) for record in self._data.genres]
        ids = {genre.name_key: _id(genre.id) for genre in await Genre.find({"name_key": {"$in": keys}}).to_list()}
        service = GenreService()
        self._steps.start("genres", len(keys))
        for record, key in zip(self._data.genres, keys, strict=True):
            created = key not in ids
            if created:
                ids[key] = _id((await service.create(record.name)).id)
            self._count("genres", created=created)
            self._steps.advance()
        return ids

    async def _people(
        self,
        document: type[Director] | type[Actor],
        service: DirectorService | ActorService,
        people: list[SeedPerson],
        kind: str,
        admin_id: str,
    ) -> dict[PersonKey, PydanticObjectId]:
        keys = list({person.key.name_key for person in people})
        found = await document.find({"name_key": {"$in": keys}}).to_list()
        ids = {PersonKey(person.name_key, person.date_of_birth): _id(person.id) for person in found}
        self._steps.start(kind, len(people))
        for person in people:
            created = person.key not in ids
            if created:
                ids[person.key] = _id((await service.create(person.name, person.date_of_birth, admin_id)).id)
            self._count(kind, created=created)
            self._steps.advance()
        return ids

    async def _movies(
        self,
        principal: Principal,
        genres: dict[str, PydanticObjectId],
        directors: dict[PersonKey, PydanticObjectId],
        actors: dict[PersonKey, PydanticObjectId],
    ) -> dict[str, str]:
        keys = [movie.title_key for movie in self._data.movies]
        cursor = Movie.get_pymongo_collection().find({"title_key": {"$in": keys}}, {"title_key": 1})
        ids = {str(raw["title_key"]): str(raw["_id"]) async for raw in cursor}
        service = MovieService(movie_cache())
        self._steps.start("movies", len(keys))
        for movie in self._data.movies:
            created = movie.title_key not in ids
            if created:
                data = MovieCreate(
                    title=movie.title,
                    release_date=movie.release_date,
                    year=movie.release_date.year,
                    runtime_minutes=movie.runtime_minutes,
                    genre_ids=[str(genres[key]) for key in movie.genre_keys],
                    director_id=str(directors[movie.director]),
                    synopsis=movie.synopsis,
                    cast=[
                        CastEntry(actor_id=str(actors[member.actor]), character=member.character)
                        for member in movie.cast
                    ],
                    countries=list(movie.countries),
                )
                ids[movie.title_key] = (await service.create(data, principal)).id
            self._count("movies", created=created)
            self._steps.advance()
        return ids

    # -- accounts -----------------------------------------------------------------------------

    async def _members(self) -> dict[str, Rater]:
        """The demo members, registered and activated; returns them by username."""
        raters: dict[str, Rater] = {}
        self._steps.start("demo members", len(self._data.members))
        for member in self._data.members:
            user = await self._users.find_by_login(member.username)
            created = user is None
            if user is None:
                user = await self._users.register(member.registration)
            if not user.is_active:
                user = await self._users.activate(str(user.id))
            raters[member.username] = Rater(str(user.id), user.username)
            self._count("members", created=created)
            self._steps.advance()
        return raters

    async def _lists_and_ratings(self, raters: dict[str, Rater], movies: dict[str, str]) -> set[str]:
        """Every member's list entries and ratings; returns the ids of the movies they rated."""
        lists = ListService(modules.catalog)
        ratings = RatingService()
        rated: set[str] = set()
        total = sum(_entries(member) for member in self._data.members)
        self._steps.start("lists and ratings", total)
        for member in self._data.members:
            rater = raters[member.username]
            entries: list[tuple[ListName, str, str | None]] = [
                *((ListName.SAVED_MOVIES, movies[key], country) for key, country in member.saved_movies),
                *((ListName.FAVORITES, movies[key], None) for key in member.favorites),
                *((ListName.WISHLIST, movies[key], None) for key in member.wishlist),
            ]
            for list_name, movie_id, country in entries:
                try:
                    await lists.add(rater.id, list_name, movie_id, country)
                    self._count("list entries", created=True)
                except DuplicateSave:
                    self._count("list entries", created=False)
                self._steps.advance()
            for rating in member.ratings:
                movie_id = movies[rating.title_key]
                rated.add(movie_id)
                changed = await _rating_differs(ratings, movie_id, rater.id, rating.score, rating.review)
                if changed:
                    await ratings.put(movie_id, rater, rating.score, rating.review)
                self._count("ratings", created=changed)
                self._steps.advance()
        return rated

    async def _aggregates(self, movie_ids: set[str], raters: Iterable[Rater]) -> None:
        """Recompute the rated movies' aggregates and the members' statistics right now."""
        service = AggregateService(runtime.current().redis)
        self._steps.start("rating aggregates", 2)
        await service.recompute_movies(sorted(movie_ids), force=True)
        self._steps.advance()
        await service.recompute_users([rater.id for rater in raters])
        self._steps.advance()

    def _count(self, kind: str, *, created: bool) -> None:
        (self.report.created if created else self.report.existing)[kind] += 1


def _id(value: Any) -> PydanticObjectId:
    if value is None:
        raise RuntimeError("a stored document has no id")
    return PydanticObjectId(value)


def _entries(member: SeedMember) -> int:
    return len(member.saved_movies) + len(member.favorites) + len(member.wishlist) + len(member.ratings)


async def _rating_differs(ratings: RatingService, movie_id: str, user_id: str, score: int, review: str | None) -> bool:
    try:
        current = await ratings.get_own(movie_id, user_id)
    except NotRated:
        return True
    return current.score != score or current.review != review


async def catalog_has_movies() -> bool:
    return await Movie.get_pymongo_collection().find_one({}, {"_id": 1}) is not None


async def seed_database(
    data_dir: Path = DATA_DIR,
    *,
    settings: Settings | None = None,
    progress: Progress | None = None,
    if_empty: bool = False,
) -> SeedReport:
    """Validate ``data_dir`` completely, then load what is missing (in the open runtime).

    Raises :class:`seed.dataset.SeedDataError` for a malformed file and :class:`SeedConflict`
    when the database contradicts the data; in both cases nothing has been written.
    """
    settings = settings or runtime.current().settings
    if if_empty and await catalog_has_movies():
        log.info("seed_skipped", reason="the catalog already has movies")
        return SeedReport(skipped_not_empty=True)
    dataset = load_dataset(data_dir)
    return await SeedLoader(dataset, settings, progress).run()
