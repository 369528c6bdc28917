"""A hot listing page's cached JSON as stored, for the listing route to send unchanged.

The hot path of ``GET /v1/movies``: one Redis round trip (listing stamp and page together, see
``Cache.get_stamped_raw``) and no model validation or re-serialisation of the page's items. The
document is the one :meth:`MovieListing.page` caches, under the same key and stamp, so it is
exactly as fresh as what that method would return; on a miss the caller uses that method.
"""

from __future__ import annotations

from app.kernel import runtime
from app.kernel.cache import Cache
from app.kernel.pagination import PageParams
from modules.catalog.schemas import MovieListFilters
from modules.catalog.services._cache import LIST_NAMESPACE, LIST_STAMP_KEY, STAMP_NAMESPACE
from modules.catalog.services._listing import page_cache_key


async def cached_page_json(filters: MovieListFilters, paging: PageParams) -> bytes | None:
    """The cached page, or ``None`` when it is not cached (or not a page worth caching)."""
    key = page_cache_key(filters, paging)
    if key is None:
        return None
    raw = await Cache(runtime.current().redis).get_stamped_raw(STAMP_NAMESPACE, LIST_STAMP_KEY, LIST_NAMESPACE, key)
    # a page is a JSON object; anything else is not served (the listing path replaces it)
    if raw is None or not (raw.startswith('{"') and raw.endswith("}")):
        return None
    return raw.encode()
