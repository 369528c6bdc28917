"""The aggregate arithmetic: counts per score -> average (1 decimal, half up), count, distribution."""

from __future__ import annotations

import pytest

from modules.ratings.services import MovieAggregate, UserStats, canonical_id
from modules.ratings.services._aggregate import rounded_mean


def test_no_ratings_is_a_null_average_and_ten_zero_keys() -> None:
    aggregate = MovieAggregate.from_score_counts({})
    assert aggregate.as_dict() == {"average": None, "count": 0, "distribution": {str(s): 0 for s in range(1, 11)}}


def test_counts_become_average_count_and_distribution() -> None:
    aggregate = MovieAggregate.from_score_counts({10: 3, 1: 1, 7: 2})
    assert aggregate.count == 6
    assert aggregate.average == 7.5  # (30 + 1 + 14) / 6
    assert list(aggregate.distribution) == [str(s) for s in range(1, 11)]
    assert aggregate.distribution == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0, "7": 2, "8": 0, "9": 0, "10": 3}


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [(29, 4, 7.3), (27, 4, 6.8), (15, 2, 7.5), (23, 3, 7.7), (22, 3, 7.3), (1, 1, 1.0), (10, 1, 10.0), (0, 0, None)],
)
def test_rounding_is_half_up_on_exact_decimals(total: int, count: int, expected: float | None) -> None:
    assert rounded_mean(total, count) == expected


def test_scores_outside_one_to_ten_are_ignored() -> None:
    assert MovieAggregate.from_score_counts({0: 4, 11: 2, 5: 1}).as_dict()["count"] == 1


def test_dict_round_trip_and_equality() -> None:
    aggregate = MovieAggregate.from_score_counts({3: 1, 4: 1})
    assert MovieAggregate.from_dict(aggregate.as_dict()) == aggregate
    assert MovieAggregate.from_dict({"average": 3.5, "count": 2, "distribution": {"3": 1, "4": 1}}) == aggregate
    assert MovieAggregate.from_dict({}) == MovieAggregate()


def test_user_stats() -> None:
    assert UserStats.from_totals(0, 0) == UserStats(0, None)
    assert UserStats.from_totals(3, 20) == UserStats(3, 6.7)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0123456789abcdef01234567", "0123456789abcdef01234567"),
        ("0123456789ABCDEF01234567", "0123456789abcdef01234567"),
        ("0123456789abcdef0123456", None),
        ("0123456789abcdef012345678", None),
        ("0123456789abcdef0123456z", None),
        ("abcdefghijkl", None),
        ("", None),
    ],
)
def test_canonical_id(value: str, expected: str | None) -> None:
    assert canonical_id(value) == expected
