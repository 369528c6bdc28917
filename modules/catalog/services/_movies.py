"""Movies: create, read (cached), partial update with optimistic concurrency, delete."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from app.kernel.documents import update_and_read
from app.kernel.errors import ValidationFailed
from app.kernel.events import bus
from modules.catalog.documents import Movie, RatingAggregate, empty_distribution
from modules.catalog.errors import EditConflict, MovieNotFound, TitleTaken
from modules.catalog.events import MOVIE_AVAILABILITY_CHANGED, MOVIE_DELETED
from modules.catalog.schemas import (
    CastEntry,
    CastRead,
    CreatorRead,
    DirectorRef,
    GenreRef,
    MovieCreate,
    MovieDetail,
    MovieUpdate,
    RatingRead,
)
from modules.catalog.schemas._fields import YEAR_MAX, YEAR_MIN
from modules.catalog.services._cache import MovieCache
from modules.catalog.services._ids import parse_object_id
from modules.catalog.services._lookup import (
    ReferenceNames,
    check_references,
    name_lookup_stages,
    pop_joined_names,
    resolve_names,
)
from modules.catalog.services._query import day_start
from modules.catalog.text import name_key, tokens
from modules.identity import Principal, ensure_owner_or_admin

# Without a client precondition, a PATCH still applies atomically against the version it read,
# re-reading on a concurrent write this many times before giving up with EDIT_CONFLICT.
UNCONDITIONAL_ATTEMPTS = 3


def utcnow() -> datetime:
    """Now, at MongoDB's millisecond precision (what a later read returns)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def movie_object_id(movie_id: str) -> ObjectId:
    oid = parse_object_id(movie_id)
    if oid is None:
        raise MovieNotFound()
    return oid


def _check_year(value: int, field: str) -> int:
    if not YEAR_MIN <= value <= YEAR_MAX:
        raise ValidationFailed.field(field, f"must be between {YEAR_MIN} and {YEAR_MAX}")
    return value


def resolve_dates(release_date: date | None, year: int | None) -> tuple[date | None, int]:
    """``(release_date, year)``: the year derives from the date; a year alone has no date."""
    if release_date is None:
        if year is None:
            raise ValidationFailed.field("year", "release_date or year is required")
        return None, year
    _check_year(release_date.year, "release_date")
    if year is not None and year != release_date.year:
        raise ValidationFailed.field("year", "must be the year of release_date")
    return release_date, release_date.year


def search_tokens(title: str, synopsis: str | None) -> tuple[list[str], list[str]]:
    """``(title_tokens, search_tokens)``: the title's tokens come first, so they are never cut."""
    return tokens(title), tokens(f"{title}\n{synopsis or ''}")


def _cast_documents(cast: list[CastEntry]) -> tuple[list[dict[str, Any]], list[ObjectId]]:
    actor_ids = [ObjectId(entry.actor_id) for entry in cast]
    members = [
        {"actor_id": actor_id, "character": entry.character} for actor_id, entry in zip(actor_ids, cast, strict=True)
    ]
    return members, list(dict.fromkeys(actor_ids))


def rating_read(rating: RatingAggregate) -> RatingRead:
    distribution = empty_distribution()
    distribution.update({key: int(value) for key, value in rating.distribution.items() if key in distribution})
    return RatingRead(average=rating.average, count=rating.count, distribution=distribution)


def detail_of(movie: Movie, names: ReferenceNames) -> MovieDetail:
    return MovieDetail(
        id=str(movie.id),
        title=movie.title,
        synopsis=movie.synopsis,
        release_date=movie.release_date.date() if movie.release_date else None,
        year=movie.year,
        runtime_minutes=movie.runtime_minutes,
        genres=[GenreRef(id=str(oid), name=names.genres.get(oid)) for oid in movie.genre_ids],
        director=DirectorRef(id=str(movie.director_id), name=names.directors.get(movie.director_id)),
        cast=[
            CastRead(actor_id=str(member.actor_id), name=names.actors.get(member.actor_id), character=member.character)
            for member in movie.cast
        ],
        countries=list(movie.countries),
        rating=rating_read(movie.rating),
        created_by=CreatorRead(id=movie.created_by.id, username=movie.created_by.username),
        created_at=movie.created_at,
        updated_at=movie.updated_at,
        version=movie.version,
    )


async def resolve_detail(movie: Movie) -> MovieDetail:
    """The detail with every name resolved: one query per referenced collection, concurrently."""
    names = await resolve_names(movie.genre_ids, [movie.director_id], movie.cast_actor_ids)
    return detail_of(movie, names)


class MovieService:
    def __init__(self, cache: MovieCache) -> None:
        self._cache = cache

    @staticmethod
    def _collection() -> Any:
        return Movie.get_pymongo_collection()

    async def create(self, data: MovieCreate, principal: Principal) -> MovieDetail:
        release_date, year = resolve_dates(data.release_date, data.year)
        genre_ids = [ObjectId(value) for value in data.genre_ids]
        director_id = ObjectId(data.director_id)
        cast, actor_ids = _cast_documents(data.cast)
        names = await check_references(
            genre_ids=genre_ids, director_id=director_id, actor_ids=actor_ids, countries=data.countries
        )
        synopsis = data.synopsis or None
        title_tokens, all_tokens = search_tokens(data.title, synopsis)
        now = utcnow()
        movie = Movie.model_validate(
            {
                "title": data.title,
                "title_key": name_key(data.title),
                "synopsis": synopsis,
                "release_date": day_start(release_date) if release_date else None,
                "year": year,
                "runtime_minutes": data.runtime_minutes,
                "genre_ids": genre_ids,
                "director_id": director_id,
                "cast": cast,
                "cast_actor_ids": actor_ids,
                "countries": list(data.countries),
                "title_tokens": title_tokens,
                "search_tokens": all_tokens,
                "created_by": {"id": principal.id, "username": principal.username},
                "created_by_id": principal.id,
                "created_at": now,
                "updated_at": now,
            }
        )
        try:
            await movie.insert()
        except DuplicateKeyError as exc:
            raise TitleTaken() from exc
        await self._cache.listing_changed()
        return detail_of(movie, names)

    async def get(self, movie_id: str) -> MovieDetail:
        """The detail, from the cache when it is current."""
        oid = movie_object_id(movie_id)
        key = str(oid)
        stamp, cached = await self._cache.get_detail(key)
        if cached is not None:
            return MovieDetail.model_validate(cached)
        # one command: the movie with its genre, director and actor names joined (``$lookup``)
        pipeline = [{"$match": {"_id": oid}}, *name_lookup_stages("genres", "directors", "actors")]
        found = await (await self._collection().aggregate(pipeline)).to_list()
        if not found:
            raise MovieNotFound()
        raw = found[0]
        names = pop_joined_names(raw)
        detail = detail_of(Movie.model_validate(raw), names)
        await self._cache.put_detail(key, stamp, detail.model_dump(mode="json"))
        return detail

    async def update(
        self, movie_id: str, data: MovieUpdate, principal: Principal, if_match: frozenset[int] | None = None
    ) -> MovieDetail:
        """Apply the sent fields atomically against an expected version.

        The expected versions come from ``If-Match`` and/or the body's ``version`` (both must hold);
        a mismatch, or losing a race to another write of that version, is 409 EDIT_CONFLICT. The
        version sits in the update's filter, so two PATCHes of one version never both succeed.
        """
        oid = movie_object_id(movie_id)
        changes = data.changes()
        if not changes:
            raise ValidationFailed.field("body", "send at least one field to change")
        expected = if_match
        if data.version is not None:
            expected = frozenset({data.version}) if expected is None else expected & {data.version}
        collection = self._collection()
        for _ in range(UNCONDITIONAL_ATTEMPTS):
            raw = await collection.find_one({"_id": oid})
            if raw is None:
                raise MovieNotFound()
            current = Movie.model_validate(raw)
            ensure_owner_or_admin(principal, current.created_by_id)
            if expected is not None and current.version not in expected:
                raise EditConflict(details={"current_version": current.version})
            update = await self._changeset(current, changes)
            try:
                # the version check is atomic in the update's filter; the document is read back by
                # _id (a findAndModify would scan the whole collection on the embedded server)
                updated = await update_and_read(
                    collection,
                    {"_id": oid},
                    {"$set": update, "$inc": {"version": 1}},
                    where={"version": current.version},
                )
            except DuplicateKeyError as exc:
                raise TitleTaken() from exc
            if updated is not None:
                break
            if expected is not None:
                raise EditConflict()
        else:
            raise EditConflict()
        movie = Movie.model_validate(updated)
        await self._cache.movie_changed(str(oid))
        if "countries" in update and set(movie.countries) != set(current.countries):
            await bus.publish(MOVIE_AVAILABILITY_CHANGED, {"movie_id": str(oid), "countries": list(movie.countries)})
        return await resolve_detail(movie)

    async def _changeset(self, current: Movie, changes: dict[str, Any]) -> dict[str, Any]:
        """The ``$set`` document of a PATCH: validated, references checked, derived keys rebuilt."""
        update: dict[str, Any] = {"updated_at": utcnow()}
        if "release_date" in changes or "year" in changes:
            update.update(self._dates(current, changes))
        if "runtime_minutes" in changes:
            update["runtime_minutes"] = changes["runtime_minutes"]
        genre_ids = [ObjectId(value) for value in changes["genre_ids"]] if "genre_ids" in changes else None
        director_id = ObjectId(changes["director_id"]) if "director_id" in changes else None
        cast, actor_ids = _cast_documents(changes["cast"]) if "cast" in changes else (None, None)
        countries = list(changes["countries"]) if "countries" in changes else None
        await check_references(genre_ids=genre_ids, director_id=director_id, actor_ids=actor_ids, countries=countries)
        if genre_ids is not None:
            update["genre_ids"] = genre_ids
        if director_id is not None:
            update["director_id"] = director_id
        if cast is not None:
            update["cast"] = cast
            update["cast_actor_ids"] = actor_ids
        if countries is not None:
            update["countries"] = countries
        if "title" in changes or "synopsis" in changes:
            title = changes.get("title", current.title)
            synopsis = (changes["synopsis"] or None) if "synopsis" in changes else current.synopsis
            update["title"] = title
            update["title_key"] = name_key(title)
            update["synopsis"] = synopsis
            update["title_tokens"], update["search_tokens"] = search_tokens(title, synopsis)
        return update

    @staticmethod
    def _dates(current: Movie, changes: dict[str, Any]) -> dict[str, Any]:
        if "release_date" in changes and changes["release_date"] is not None:
            release_date, year = resolve_dates(changes["release_date"], changes.get("year"))
        elif "release_date" in changes:
            release_date, year = None, changes.get("year", current.year)
        else:
            year = changes["year"]
            kept = current.release_date
            release_date = kept.date() if kept is not None and kept.year == year else None
        return {"release_date": day_start(release_date) if release_date else None, "year": year}

    async def delete(self, movie_id: str, principal: Principal) -> None:
        """Delete, then announce ``movie.deleted`` so lists and ratings drop the movie."""
        oid = movie_object_id(movie_id)
        collection = self._collection()
        raw = await collection.find_one({"_id": oid}, {"created_by_id": 1})
        if raw is None:
            raise MovieNotFound()
        ensure_owner_or_admin(principal, raw.get("created_by_id"))
        result = await collection.delete_one({"_id": oid})
        if result.deleted_count == 0:
            raise MovieNotFound()
        await self._cache.movie_changed(str(oid))
        await bus.publish(MOVIE_DELETED, {"movie_id": str(oid)})
