"""The movies CSV: RFC 4180 (``csv`` module, minimal quoting, CRLF), UTF-8, one header row.

Multi-valued cells (genres, cast, countries) are joined with ``|``. Text cells that a spreadsheet
would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) get a
leading ``'`` (OWASP's CSV-injection advice). Numbers, ids and dates are produced by the export
itself and never start with one of those characters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import IO

from modules.catalog import MovieExportRow

HEADER: tuple[str, ...] = (
    "id",
    "title",
    "year",
    "release_date",
    "runtime_minutes",
    "genres",
    "director",
    "cast",
    "countries",
    "rating_average",
    "rating_count",
    "created_by",
    "created_at",
)
MULTI_VALUE_SEPARATOR = "|"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISING_PREFIX = "'"


def neutralise(cell: str) -> str:
    """A text cell a spreadsheet will not evaluate as a formula."""
    return NEUTRALISING_PREFIX + cell if cell.startswith(FORMULA_PREFIXES) else cell


def _text(value: str | None) -> str:
    return "" if value is None else neutralise(value)


def _joined(values: Iterable[str]) -> str:
    return neutralise(MULTI_VALUE_SEPARATOR.join(values))


def _date(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _timestamp(value: datetime) -> str:
    """ISO 8601 UTC with ``Z``, as the JSON API renders timestamps."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def movie_cells(row: MovieExportRow) -> list[str]:
    """One movie as the cells of ``HEADER``, in order."""
    return [
        row.id,
        _text(row.title),
        str(row.year),
        _date(row.release_date),
        str(row.runtime_minutes),
        _joined(row.genres),
        _text(row.director),
        _joined(row.cast),
        _joined(row.countries),
        "" if row.rating_average is None else str(row.rating_average),
        str(row.rating_count),
        _text(row.created_by),
        _timestamp(row.created_at),
    ]


class MovieCsvWriter:
    """Writes the header and movie rows to a binary file, row by row (nothing is held back)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        self._writer = csv.writer(self._text, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        self._writer.writerow(HEADER)

    def write(self, row: MovieExportRow) -> None:
        self._writer.writerow(movie_cells(row))

    def finish(self) -> int:
        """Flush everything into the file (left open, at its end); returns its size in bytes."""
        self._text.flush()
        self._text.detach()
        return self._handle.tell()
