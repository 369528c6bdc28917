"""Text normalisation shared by the catalog: case-insensitive keys and search tokens.

Full-text search runs the same on MongoDB and the embedded server (which has no text indexes):
titles and synopses are reduced to normalised tokens stored in a multikey-indexed array, and a
query matches documents sharing tokens with it, ranked by how many (title tokens weigh more).
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[0-9a-z]+")
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "he",
        "her",
        "his",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "she",
        "that",
        "the",
        "their",
        "they",
        "this",
        "to",
        "was",
        "were",
        "which",
        "who",
        "will",
        "with",
    }
)
MAX_TOKENS = 256


def fold(text: str) -> str:
    """NFKC, accents stripped, casefolded: 'Amélie' -> 'amelie'."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def name_key(text: str) -> str:
    """The case-insensitive identity of a title or name (whitespace collapsed)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def tokens(text: str | None) -> list[str]:
    """Distinct normalised word tokens in first-seen order, stopwords dropped."""
    if not text:
        return []
    seen: dict[str, None] = {}
    for word in _WORD.findall(fold(text)):
        if word not in STOPWORDS and len(seen) < MAX_TOKENS:
            seen.setdefault(word, None)
    return list(seen)
