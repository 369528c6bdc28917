"""Walking the movies whose stored aggregate is corrupted (for the ratings reconcile)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from app.kernel.documents import id_batches
from modules.catalog.documents import STALE_UNRATED_RATING_FILTER, UNSORTABLE_RATING_FILTER, Movie


async def iter_stale_unrated_movie_ids(batch_size: int = 200) -> AsyncIterator[list[str]]:
    """The ids of the movies whose sort key says "no ratings" (``rating_sort`` below 0) yet whose
    stored aggregate is not empty (a sort key below -1, a count, an average or a score in the
    distribution), then of those without a numeric sort key (missing, null or NaN), in batches of
    ``batch_size``.

    No writer stores such an aggregate (``rating`` and ``rating_sort`` are written together, and
    the sort key is always a number), and ``iter_rated_movie_ids`` (``rating_sort`` above -1) does
    not see them. The first walk reads the partial ``movies_rating_stale`` index, which holds only
    those movies (none on a sound database), so it costs nothing more as the catalog grows; it is
    hinted because the index's filter has an ``$or``. The second reads two points of the
    ``movies_rating`` index (null, which also holds the movies without the field, and NaN).
    """
    collection = Movie.get_pymongo_collection()
    async for batch in id_batches(collection, STALE_UNRATED_RATING_FILTER, batch_size, hint="movies_rating_stale"):
        yield batch
    async for batch in id_batches(collection, UNSORTABLE_RATING_FILTER, batch_size):
        yield batch
