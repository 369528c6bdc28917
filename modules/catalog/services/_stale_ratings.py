"""Walking the movies whose stored aggregate is corrupted (for the ratings reconcile)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from app.kernel.documents import id_batches
from modules.catalog.documents import STALE_UNRATED_RATING_FILTER, Movie


async def iter_stale_unrated_movie_ids(batch_size: int = 200) -> AsyncIterator[list[str]]:
    """The ids of the movies whose sort key says "no ratings" (``rating_sort`` below 0) yet whose
    stored aggregate is not empty (a sort key below -1, a count, an average or a score in the
    distribution), in batches of ``batch_size``.

    No writer stores such an aggregate (``rating`` and ``rating_sort`` are written together), and
    ``iter_rated_movie_ids`` (``rating_sort`` above -1) does not see it. The walk reads the partial
    ``movies_rating_stale`` index, which holds only those movies (none on a sound database), so it
    costs nothing more as the catalog grows; it is hinted because the index's filter has an ``$or``.
    """
    async for batch in id_batches(
        Movie.get_pymongo_collection(), STALE_UNRATED_RATING_FILTER, batch_size, hint="movies_rating_stale"
    ):
        yield batch
