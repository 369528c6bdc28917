"""Ids in paths: 24-hex MongoDB ObjectIds, compared in their canonical lower-case form."""

from __future__ import annotations

import re

_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")


def canonical_id(value: str) -> str | None:
    """The id in canonical form, or ``None`` when it is malformed (the caller answers 404)."""
    return value.lower() if _OBJECT_ID.fullmatch(value) else None
