"""Request and response models of the reference data: genres, countries, directors, actors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from modules.catalog.documents import Actor, Country, Director, Genre
from modules.catalog.services._reference import FILMOGRAPHY_LIMIT, ISO_3166_ALPHA2, Credit

EARLIEST_BIRTH_DATE = date(1800, 1, 1)


def _iso_country(value: str) -> str:
    if value not in ISO_3166_ALPHA2:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code")
    return value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _birth_date(value: date) -> date:
    if value > datetime.now(UTC).date():
        raise ValueError("must not be in the future")
    if value < EARLIEST_BIRTH_DATE:
        raise ValueError(f"must be on or after {EARLIEST_BIRTH_DATE.isoformat()}")
    return value


CountryCode = Annotated[
    str,
    BeforeValidator(_upper),
    StringConstraints(min_length=2, max_length=2),
    AfterValidator(_iso_country),
    Field(description="ISO 3166-1 alpha-2 code (case-insensitive on input, upper case on output)"),
]
GenreName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
CountryName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
BirthDate = Annotated[date, AfterValidator(_birth_date), Field(description="YYYY-MM-DD, not in the future")]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GenreCreate(StrictModel):
    name: GenreName = Field(description="1-50 characters, unique case-insensitively")


class GenreRead(BaseModel):
    id: str
    name: str

    @classmethod
    def of(cls, genre: Genre) -> GenreRead:
        return cls(id=str(genre.id), name=genre.name)


class CountryCreate(StrictModel):
    code: CountryCode
    name: CountryName


class CountryRead(BaseModel):
    code: str
    name: str

    @classmethod
    def of(cls, country: Country) -> CountryRead:
        return cls(code=country.code, name=country.name)


class PersonCreate(StrictModel):
    """Body of ``POST /v1/directors`` and ``POST /v1/actors``."""

    name: PersonName = Field(description="1-200 characters")
    date_of_birth: BirthDate | None = None


def director_photo_url(director: Director) -> str | None:
    return f"/v1/directors/{director.id}/photo" if director.photo_key else None


class DirectorRead(BaseModel):
    id: str
    name: str
    date_of_birth: date | None
    photo_url: str | None = Field(description="path of the photo (GET it with the access token), null without one")

    @classmethod
    def of(cls, director: Director) -> DirectorRead:
        return cls(
            id=str(director.id),
            name=director.name,
            date_of_birth=director.date_of_birth,
            photo_url=director_photo_url(director),
        )


class DirectorCredit(BaseModel):
    id: str
    title: str
    year: int


class DirectorDetail(DirectorRead):
    filmography: list[DirectorCredit] = Field(
        description=f"movies directed, newest first (year desc, then id); at most {FILMOGRAPHY_LIMIT}"
    )

    @classmethod
    def build(cls, director: Director, credits: list[Credit]) -> DirectorDetail:
        return cls(
            **DirectorRead.of(director).model_dump(),
            filmography=[
                DirectorCredit(id=credit.movie_id, title=credit.title, year=credit.year) for credit in credits
            ],
        )


class ActorRead(BaseModel):
    id: str
    name: str
    date_of_birth: date | None

    @classmethod
    def of(cls, actor: Actor) -> ActorRead:
        return cls(id=str(actor.id), name=actor.name, date_of_birth=actor.date_of_birth)


class ActorCredit(BaseModel):
    id: str
    title: str
    year: int
    character: str = Field(description="the role played (several roles in one movie are joined with ' / ')")


class ActorDetail(ActorRead):
    filmography: list[ActorCredit] = Field(
        description=f"movies played in, newest first (year desc, then id); at most {FILMOGRAPHY_LIMIT}"
    )

    @classmethod
    def build(cls, actor: Actor, credits: list[Credit]) -> ActorDetail:
        return cls(
            **ActorRead.of(actor).model_dump(),
            filmography=[
                ActorCredit(id=credit.movie_id, title=credit.title, year=credit.year, character=credit.character or "")
                for credit in credits
            ],
        )
