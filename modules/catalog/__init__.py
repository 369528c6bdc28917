"""The catalog module's public interface (lists, ratings and exports import only this).

- ``MovieSummary`` / ``get_movie_summary`` / ``get_movie_summaries`` / ``movie_exists``: read a
  movie by id (malformed or unknown ids are None / absent / False, never an error).
- ``set_rating_aggregate`` / ``set_rating_aggregates``: the ratings worker stores a movie's
  aggregate, or many at once with one bulk write (idempotent).
- ``iter_rated_movie_ids``: the ids of the movies whose stored aggregate counts ratings, in
  batches (the ratings reconcile resets those that have no rating left);
  ``iter_stale_unrated_movie_ids``: those whose sort key counts none yet whose aggregate is not
  empty (a corrupted document, reset the same way).
- ``MovieListFilters`` / ``MovieSort`` / ``count_movies`` / ``iter_movies_for_export`` /
  ``MovieExportRow``: the movie listing's filters, reused by exports (streamed, flat memory).
- ``MOVIE_DELETED`` / ``MOVIE_AVAILABILITY_CHANGED``: events published on ``app.kernel.events.bus``.
"""

from modules.catalog.events import MOVIE_AVAILABILITY_CHANGED, MOVIE_DELETED
from modules.catalog.schemas import MovieExportRow, MovieListFilters, MovieSort, MovieSummary
from modules.catalog.services import (
    count_movies,
    get_movie_summaries,
    get_movie_summary,
    iter_movies_for_export,
    iter_rated_movie_ids,
    iter_stale_unrated_movie_ids,
    movie_exists,
    set_rating_aggregate,
    set_rating_aggregates,
)

__all__ = [
    "MOVIE_AVAILABILITY_CHANGED",
    "MOVIE_DELETED",
    "MovieExportRow",
    "MovieListFilters",
    "MovieSort",
    "MovieSummary",
    "count_movies",
    "get_movie_summaries",
    "get_movie_summary",
    "iter_movies_for_export",
    "iter_rated_movie_ids",
    "iter_stale_unrated_movie_ids",
    "movie_exists",
    "set_rating_aggregate",
    "set_rating_aggregates",
]
