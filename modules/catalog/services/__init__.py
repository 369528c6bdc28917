"""Catalog services: every rule and every database access of the catalog."""

from modules.catalog.services._cache import MovieCache, movie_cache
from modules.catalog.services._ids import parse_object_id
from modules.catalog.services._listing import MovieListing
from modules.catalog.services._lookup import ReferenceNames, check_references, resolve_names
from modules.catalog.services._movies import MovieService
from modules.catalog.services._people_listing import people_changed
from modules.catalog.services._public import (
    count_movies,
    get_movie_summaries,
    get_movie_summary,
    iter_movies_for_export,
    iter_rated_movie_ids,
    movie_exists,
    set_rating_aggregate,
    set_rating_aggregates,
)
from modules.catalog.services._query import MovieQuery, movie_filter, plan_movie_query
from modules.catalog.services._reference import (
    ActorService,
    CountryService,
    Credit,
    DirectorPhotoService,
    DirectorService,
    GenreService,
    PhotoDownload,
    person_search_fields,
    sniff_image,
)
from modules.catalog.services._stale_ratings import iter_stale_unrated_movie_ids

__all__ = [
    "ActorService",
    "CountryService",
    "Credit",
    "DirectorPhotoService",
    "DirectorService",
    "GenreService",
    "MovieCache",
    "MovieListing",
    "MovieQuery",
    "MovieService",
    "PhotoDownload",
    "ReferenceNames",
    "check_references",
    "count_movies",
    "get_movie_summaries",
    "get_movie_summary",
    "iter_movies_for_export",
    "iter_rated_movie_ids",
    "iter_stale_unrated_movie_ids",
    "movie_cache",
    "movie_exists",
    "movie_filter",
    "parse_object_id",
    "people_changed",
    "person_search_fields",
    "plan_movie_query",
    "resolve_names",
    "set_rating_aggregate",
    "set_rating_aggregates",
    "sniff_image",
]
