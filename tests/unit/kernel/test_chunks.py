"""``chunks``: consecutive pieces of at most ``size``, every element once, in order."""

from __future__ import annotations

import pytest

from app.kernel.documents import IN_CHUNK, chunks


@pytest.mark.parametrize(
    ("length", "sizes"),
    [
        (0, []),
        (1, [1]),
        (IN_CHUNK, [IN_CHUNK]),
        (IN_CHUNK + 1, [IN_CHUNK, 1]),
        (2 * IN_CHUNK + 7, [IN_CHUNK, IN_CHUNK, 7]),
    ],
)
def test_pieces_cover_the_items_in_order(length: int, sizes: list[int]) -> None:
    items = list(range(length))
    pieces = list(chunks(items))
    assert [len(piece) for piece in pieces] == sizes
    assert [item for piece in pieces for item in piece] == items


def test_a_size_can_be_given() -> None:
    assert list(chunks("abcde", 2)) == ["ab", "cd", "e"]
