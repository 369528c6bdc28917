"""Listeners for the catalog's movie events (registered in ``module.py``)."""

from __future__ import annotations

from typing import Any

import structlog

from modules.lists.deps import build_list_service

log = structlog.get_logger("marquee.lists")


async def movie_deleted(payload: dict[str, Any]) -> None:
    """A deleted movie leaves every list at once (inline, before the delete request answers)."""
    movie_id = payload.get("movie_id")
    if not isinstance(movie_id, str):
        log.warning("movie_deleted_without_id", payload_keys=sorted(payload))
        return
    removed = await build_list_service().forget_movie(movie_id)
    log.info("list_entries_removed_for_deleted_movie", movie_id=movie_id, entries=removed)


async def movie_availability_changed(payload: dict[str, Any]) -> None:
    """Copy the movie's new availability onto its entries, so country listings follow it."""
    movie_id = payload.get("movie_id")
    countries = payload.get("countries")
    if not isinstance(movie_id, str) or not isinstance(countries, list):
        log.warning("movie_availability_changed_malformed", payload_keys=sorted(payload))
        return
    codes = [code for code in countries if isinstance(code, str)]
    changed = await build_list_service().set_availability(movie_id, codes)
    log.info("list_entries_availability_updated", movie_id=movie_id, entries=changed)
