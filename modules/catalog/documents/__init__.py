"""Catalog documents."""

from modules.catalog.documents._movie import (
    STALE_UNRATED_RATING_FILTER,
    UNSORTABLE_RATING_FILTER,
    CastMember,
    CreatorSnapshot,
    Movie,
    RatingAggregate,
    empty_distribution,
)
from modules.catalog.documents._reference import Actor, Country, Director, Genre

__all__ = [
    "STALE_UNRATED_RATING_FILTER",
    "UNSORTABLE_RATING_FILTER",
    "Actor",
    "CastMember",
    "Country",
    "CreatorSnapshot",
    "Director",
    "Genre",
    "Movie",
    "RatingAggregate",
    "empty_distribution",
]
