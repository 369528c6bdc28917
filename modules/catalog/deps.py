"""Dependency providers of the catalog's routes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import MultiDict
from litestar.params import QueryParameter

from app.kernel.errors import ValidationFailed
from modules.catalog.schemas import MovieListFilters, MovieSort
from modules.catalog.schemas._fields import RUNTIME_MAX, YEAR_MAX, YEAR_MIN
from modules.catalog.schemas._filters import RATING_MAX, RATING_MIN, SEARCH_MAX
from modules.catalog.services import MovieListing, MovieService, movie_cache
from modules.identity import principal_of

LIST_PARAMETERS = frozenset(
    {
        "q",
        "title",
        "genre",
        "year",
        "year_from",
        "year_to",
        "released_from",
        "released_to",
        "country",
        "director",
        "actor",
        "min_rating",
        "max_rating",
        "runtime_min",
        "runtime_max",
        "created_by",
        "sort",
        "page",
        "page_size",
    }
)
_REPEATABLE = frozenset({"genre"})


async def provide_movie_service() -> MovieService:
    return MovieService(movie_cache())


async def provide_movie_listing() -> MovieListing:
    return MovieListing(movie_cache())


def check_query_parameters(query: MultiDict[Any]) -> None:
    """Unknown query parameters (``title[$ne]``, typos) and repeated single-valued ones are 422:
    nothing in a query string can become anything but the documented literal values."""
    problems = []
    for name in dict.fromkeys(query.keys()):
        if name not in LIST_PARAMETERS:
            problems.append({"field": name, "message": "unknown query parameter"})
        elif name not in _REPEATABLE and len(query.getall(name)) > 1:
            problems.append({"field": name, "message": "may be given only once"})
    if problems:
        raise ValidationFailed(details={"fields": problems})


_Year = Annotated[int | None, QueryParameter(ge=YEAR_MIN, le=YEAR_MAX, description=f"{YEAR_MIN}-{YEAR_MAX}")]
_Id = Annotated[str | None, QueryParameter(min_length=24, max_length=24, description="a 24-hex id")]
_Rating = Annotated[float | None, QueryParameter(ge=RATING_MIN, le=RATING_MAX, description="0-10, on the average")]
_Runtime = Annotated[int | None, QueryParameter(ge=0, le=RUNTIME_MAX, description="minutes")]
_Text = Annotated[str | None, QueryParameter(min_length=1, max_length=SEARCH_MAX)]


async def provide_movie_list_filters(
    request: Request[Any, Any, Any],
    q: Annotated[_Text, QueryParameter(description="full-text search over title and synopsis")] = None,
    title: Annotated[_Text, QueryParameter(description="case-insensitive substring of the title")] = None,
    genre: Annotated[
        list[str] | None, QueryParameter(description="genre id; repeat it for movies having all of the genres")
    ] = None,
    year: _Year = None,
    year_from: _Year = None,
    year_to: _Year = None,
    released_from: Annotated[date | None, QueryParameter(description="YYYY-MM-DD, inclusive")] = None,
    released_to: Annotated[date | None, QueryParameter(description="YYYY-MM-DD, inclusive")] = None,
    country: Annotated[
        str | None, QueryParameter(pattern=r"^[A-Z]{2}$", description="alpha-2 code: only movies available there")
    ] = None,
    director: _Id = None,
    actor: _Id = None,
    min_rating: _Rating = None,
    max_rating: _Rating = None,
    runtime_min: _Runtime = None,
    runtime_max: _Runtime = None,
    created_by: Annotated[str | None, QueryParameter(description="the creator's user id, or me")] = None,
    sort: Annotated[
        MovieSort | None, QueryParameter(description="default: relevance with q, else -year; ties broken by id")
    ] = None,
) -> MovieListFilters:
    check_query_parameters(request.query_params)
    if created_by == "me":
        created_by = principal_of(request).id
    given = {
        "q": q,
        "title": title,
        "genre": genre,
        "year": year,
        "year_from": year_from,
        "year_to": year_to,
        "released_from": released_from,
        "released_to": released_to,
        "country": country,
        "director": director,
        "actor": actor,
        "min_rating": min_rating,
        "max_rating": max_rating,
        "runtime_min": runtime_min,
        "runtime_max": runtime_max,
        "created_by": created_by,
        "sort": sort,
    }
    return MovieListFilters.parse({name: value for name, value in given.items() if value is not None})
