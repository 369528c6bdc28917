"""The rating body as Litestar validates it (``strict=False``): integers only, review limits."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from modules.ratings.schemas import RatingPut


@pytest.mark.parametrize("score", [1, 5, 10])
def test_integer_scores_one_to_ten(score: int) -> None:
    assert RatingPut.model_validate({"score": score}, strict=False).score == score


@pytest.mark.parametrize("score", [0, 11, -1, 7.0, 7.5, "7", True, False, None, [7]])
def test_other_scores_are_rejected(score: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        RatingPut.model_validate({"score": score}, strict=False)
    assert [error["loc"] for error in caught.value.errors()] == [("score",)]


def test_review_is_trimmed_blank_is_null_and_limited() -> None:
    assert RatingPut.model_validate({"score": 5, "review": "  fine  "}).review == "fine"
    assert RatingPut.model_validate({"score": 5, "review": " \n "}).review is None
    assert RatingPut.model_validate({"score": 5}).review is None
    assert RatingPut.model_validate({"score": 5, "review": "x" * 2000}).review == "x" * 2000
    with pytest.raises(ValidationError):
        RatingPut.model_validate({"score": 5, "review": "x" * 2001})


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        RatingPut.model_validate({"score": 5, "movie_id": "x"})
    assert caught.value.errors()[0]["type"] == "extra_forbidden"
