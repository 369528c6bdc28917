"""The rating aggregate of a movie and the rating statistics of a user, from score counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SCORES = range(1, 11)
ONE_DECIMAL = Decimal("0.1")


def empty_distribution() -> dict[str, int]:
    return {str(score): 0 for score in SCORES}


def rounded_mean(total: int, count: int) -> float | None:
    """``total / count`` rounded half-up (exact decimal arithmetic), ``None`` when ``count`` is 0."""
    if count == 0:
        return None
    return float((Decimal(total) / Decimal(count)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class MovieAggregate:
    """``average`` (1 decimal, ``None`` while ``count`` is 0), ``count`` and all ten distribution keys."""

    average: float | None = None
    count: int = 0
    distribution: dict[str, int] = field(default_factory=empty_distribution)

    @classmethod
    def from_score_counts(cls, counts: Mapping[int, int]) -> MovieAggregate:
        distribution = empty_distribution()
        for score, number in counts.items():
            if score in SCORES and number > 0:
                distribution[str(score)] += number
        count = sum(distribution.values())
        total = sum(int(score) * number for score, number in distribution.items())
        return cls(average=rounded_mean(total, count), count=count, distribution=distribution)

    def as_dict(self) -> dict[str, Any]:
        return {"average": self.average, "count": self.count, "distribution": dict(self.distribution)}

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> MovieAggregate:
        distribution = empty_distribution()
        distribution.update({str(k): int(v) for k, v in dict(value.get("distribution") or {}).items()})
        average = value.get("average")
        return cls(
            average=None if average is None else float(average),
            count=int(value.get("count") or 0),
            distribution=distribution,
        )


@dataclass(frozen=True)
class UserStats:
    """A user's public statistics: how many ratings, their mean score (1 decimal, ``None`` at 0)."""

    ratings_count: int = 0
    average_score: float | None = None

    @classmethod
    def from_totals(cls, count: int, total: int) -> UserStats:
        return cls(ratings_count=count, average_score=rounded_mean(total, count))
