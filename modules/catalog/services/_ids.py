"""Opaque ids: a malformed id is "not found", never an error from the driver."""

from __future__ import annotations

import re

from bson import ObjectId

_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")


def parse_object_id(value: object) -> ObjectId | None:
    """The ObjectId of a 24-hex string, or None for anything else."""
    if isinstance(value, str) and _OBJECT_ID.fullmatch(value):
        return ObjectId(value)
    return None
