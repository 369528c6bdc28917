"""Atomic single-document updates that an index serves, in place of ``find_one_and_update``;
id lists walked in batches (``id_batches``) and cut into the pieces one ``$in`` takes (``chunks``).

Why not findAndModify: the embedded SecantusDB answers every ``findAndModify`` (and any filter
with a top-level ``$or``) by scanning the whole collection, while ``update_one``/``find_one``
on an indexed equality use the index. A conditional ``update_one`` is atomic on both servers
(mongod and SecantusDB): the condition is checked when the document is written, so of two
concurrent claims of one document exactly one matches. The document is then read back by its
unique key. Unlike findAndModify's post-image, that read may already see a later write to the
document; callers that need the pre-image read it first and compare-and-set instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]
T = TypeVar("T")

# Elements of one ``$in``. The embedded server tests every candidate document against the whole
# list, element by element, so a query's work grows with candidates x list length: over a drain's
# 200 movies of 10 ratings one aggregation cost 1.78 ms per movie, in pieces of 25 0.62 ms; a
# multi-document update of 25 tokens 0.9 ms per token against 1.7 ms one by one; 200 movies' stored
# aggregates read by ``_id`` 0.21 ms per movie in one ``$in``, 0.09 ms in pieces (200 recompute
# marks of 20 000: 0.19 and 0.08 ms). MongoDB pays one
# cheap round trip per piece. Request paths whose round trips are counted (a page's documents)
# keep one ``$in``: their lists are a page long.
IN_CHUNK = 25


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in consecutive pieces of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def update_one_of(
    collection: AsyncCollection[Any],
    key: Mapping[str, Any],
    update: Mapping[str, Any],
    *,
    where: Mapping[str, Any] | None = None,
    any_of: Sequence[Mapping[str, Any]] = ({},),
) -> bool:
    """Apply ``update`` to the document of the unique ``key`` if it satisfies ``where`` and one
    of the ``any_of`` conditions (an ``$or`` without its collection scan: each condition is its
    own atomic ``update_one``, tried in order); whether it was applied (matched)."""
    for condition in any_of:
        result = await collection.update_one({**key, **(where or {}), **condition}, update)
        if result.matched_count:
            return True
    return False


async def update_and_read(
    collection: AsyncCollection[Any],
    key: Mapping[str, Any],
    update: Mapping[str, Any],
    *,
    where: Mapping[str, Any] | None = None,
    any_of: Sequence[Mapping[str, Any]] = ({},),
    projection: Mapping[str, Any] | None = None,
) -> Document | None:
    """``update_one_of``, then the updated document read back by ``key``; ``None`` when nothing
    matched (or the document was deleted between the two). A ``DuplicateKeyError`` propagates."""
    if not await update_one_of(collection, key, update, where=where, any_of=any_of):
        return None
    found: Document | None = await collection.find_one(dict(key), projection)
    return found


async def id_batches(
    collection: AsyncCollection[Any], query: Mapping[str, Any], batch_size: int, *, hint: str | None = None
) -> AsyncIterator[list[str]]:
    """The ids of the documents matching ``query``, as strings, in lists of ``batch_size``: one
    cursor reading ids only (covered by an index that ends with ``_id`` on MongoDB), closed when
    the caller stops early. Memory holds one list. ``hint`` names the index to walk (a partial
    index whose filter is ``query``: the embedded server's planner does not pick one by itself
    when the filter has an ``$or``)."""
    size = max(batch_size, 1)
    cursor = collection.find(dict(query), {"_id": 1}, batch_size=max(size, 1000), hint=hint)
    try:
        batch: list[str] = []
        async for raw in cursor:
            batch.append(str(raw["_id"]))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch
    finally:
        await cursor.close()
