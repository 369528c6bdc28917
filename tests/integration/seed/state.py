"""Database state of the seed and generator tests: counts and a fingerprint of every collection."""

from __future__ import annotations

import hashlib

import bson

from app.kernel import runtime

IGNORED = ("pymongo_migrate",)


async def collection_counts() -> dict[str, int]:
    db = runtime.current().db
    names = sorted(await db.list_collection_names())
    return {
        name: await db[name].count_documents({})
        for name in names
        if name not in IGNORED and not name.startswith("system.")
    }


async def collection_fingerprints() -> dict[str, tuple[int, str]]:
    """Per collection: how many documents, and a hash of all of them in ``_id`` order."""
    db = runtime.current().db
    fingerprints = {}
    for name in await collection_counts():
        digest = hashlib.sha256()
        count = 0
        async for document in db[name].find({}).sort("_id", 1):
            digest.update(bson.encode(document))
            count += 1
        fingerprints[name] = (count, digest.hexdigest())
    return fingerprints
