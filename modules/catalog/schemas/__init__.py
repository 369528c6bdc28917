"""Catalog request/response models and the movie listing's filter model."""

from modules.catalog.schemas._filters import DEFAULT_SORT, MovieListFilters, MovieSort, validation_failed
from modules.catalog.schemas._movie import (
    CastEntry,
    CastRead,
    CreatorRead,
    DirectorRef,
    GenreRef,
    MovieCreate,
    MovieDetail,
    MovieListItem,
    MovieUpdate,
    RatingRead,
)
from modules.catalog.schemas._public import MovieExportRow, MovieSummary
from modules.catalog.schemas._reference import (
    ActorCredit,
    ActorDetail,
    ActorRead,
    CountryCreate,
    CountryRead,
    DirectorCredit,
    DirectorDetail,
    DirectorRead,
    GenreCreate,
    GenreRead,
    PersonCreate,
)

__all__ = [
    "DEFAULT_SORT",
    "ActorCredit",
    "ActorDetail",
    "ActorRead",
    "CastEntry",
    "CastRead",
    "CountryCreate",
    "CountryRead",
    "CreatorRead",
    "DirectorCredit",
    "DirectorDetail",
    "DirectorRead",
    "DirectorRef",
    "GenreCreate",
    "GenreRead",
    "GenreRef",
    "MovieCreate",
    "MovieDetail",
    "MovieExportRow",
    "MovieListFilters",
    "MovieListItem",
    "MovieSort",
    "MovieSummary",
    "MovieUpdate",
    "PersonCreate",
    "RatingRead",
    "validation_failed",
]
