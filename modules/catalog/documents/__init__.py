"""Catalog documents."""

from modules.catalog.documents._movie import CastMember, CreatorSnapshot, Movie, RatingAggregate, empty_distribution
from modules.catalog.documents._reference import Actor, Country, Director, Genre

__all__ = [
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
