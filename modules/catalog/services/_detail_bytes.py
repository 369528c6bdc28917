"""A movie's cached detail as the JSON document it is stored as, for a route to send unchanged.

The hot path of ``GET /v1/movies/{id}``: one Redis round trip (stamp and detail together, see
``Cache.get_stamped_raw``) and no model validation or re-serialisation. The document is the one
:meth:`MovieService.get` caches (``MovieDetail`` dumped to JSON), under the same stamp, so it
is exactly as fresh as what that method would return; on a miss the caller uses that method.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from app.kernel import runtime
from app.kernel.cache import Cache
from modules.catalog.services._cache import DETAIL_NAMESPACE, STAMP_NAMESPACE
from modules.catalog.services._movies import movie_object_id


@dataclass(frozen=True, slots=True)
class CachedDetailJson:
    body: bytes
    version: int


async def cached_detail_json(movie_id: str) -> CachedDetailJson | None:
    """The cached detail of ``movie_id`` and its version, or ``None`` when it is not cached.

    A malformed id is MOVIE_NOT_FOUND, as with :meth:`MovieService.get`.
    """
    key = str(movie_object_id(movie_id))
    raw = await Cache(runtime.current().redis).get_stamped_raw(STAMP_NAMESPACE, key, DETAIL_NAMESPACE, key)
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
