"""Export ids: opaque 24-hex ObjectIds; anything else names no export."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId


def object_id(value: str) -> ObjectId | None:
    if len(value) != 24:
        return None
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None
