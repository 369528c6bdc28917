"""Read DTOs of the catalog's public interface (for lists, ratings and exports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class MovieSummary:
    id: str
    title: str
    year: int
    release_date: date | None
    countries: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MovieExportRow:
    """One movie with its references resolved to names (the CSV export's columns)."""

    id: str
    title: str
    year: int
    release_date: date | None
    runtime_minutes: int
    genres: tuple[str, ...]
    director: str | None
    cast: tuple[str, ...]
    countries: tuple[str, ...]
    rating_average: float | None
    rating_count: int
    created_by: str
    created_at: datetime
