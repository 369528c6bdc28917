"""A movie's cached detail and a hot listing page as the JSON documents they are stored as, for
a route to send unchanged.

The hot paths of ``GET /v1/movies/{id}`` and ``GET /v1/movies``: one Redis round trip (stamp and
value together, see ``MovieCache.get_detail_json`` / ``get_page_json``) and no model validation
or re-serialisation. The documents are the ones :meth:`MovieService.get` and
:meth:`MovieListing.page` cache, under the same keys and stamps, so they are exactly as fresh as
what those methods would return; on a miss the caller uses them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.kernel.pagination import PageParams
from modules.catalog.schemas import MovieListFilters
from modules.catalog.services._cache import movie_cache
from modules.catalog.services._listing import page_cache_key
from modules.catalog.services._movies import movie_object_id


@dataclass(frozen=True, slots=True)
class CachedDetailJson:
    body: bytes
    version: int


async def cached_detail_json(movie_id: str) -> CachedDetailJson | None:
    """The cached detail of ``movie_id`` and its version, or ``None`` when it is not cached.

    A malformed id is MOVIE_NOT_FOUND, as with :meth:`MovieService.get`.
    """
    raw = await movie_cache().get_detail_json(str(movie_object_id(movie_id)))
    if raw is None:
        return None
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        return None
    return CachedDetailJson(body=raw.encode(), version=version)


async def cached_page_json(filters: MovieListFilters, paging: PageParams) -> bytes | None:
    """The cached page, or ``None`` when it is not cached (or not a page worth caching)."""
    key = page_cache_key(filters, paging)
    if key is None:
        return None
    raw = await movie_cache().get_page_json(key)
    # a page is a JSON object; anything else is not served (the listing path replaces it)
    if raw is None or not (raw.startswith('{"') and raw.endswith("}")):
        return None
    return raw.encode()
