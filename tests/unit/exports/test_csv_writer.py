"""The export CSV: header, cell formats, RFC 4180 quoting and line ends, formula neutralisation."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from modules.catalog import MovieExportRow
from modules.exports.csv_writer import HEADER, MovieCsvWriter, movie_cells, neutralise

CONTRACT_HEADER = (
    "id,title,year,release_date,runtime_minutes,genres,director,cast,countries,"
    "rating_average,rating_count,created_by,created_at"
)


def row(**overrides: object) -> MovieExportRow:
    values: dict[str, object] = {
        "id": "5f1d7f0e8a4b2c3d4e5f6a7b",
        "title": "Moana",
        "year": 2016,
        "release_date": date(2016, 11, 23),
        "runtime_minutes": 107,
        "genres": ("Animation", "Adventure"),
        "director": "Ron Clements",
        "cast": ("Auli'i Cravalho", "Dwayne Johnson"),
        "countries": ("US", "BR"),
        "rating_average": 7.6,
        "rating_count": 1234,
        "created_by": "alice",
        "created_at": datetime(2026, 11, 21, 10, 0, 0, 123000, tzinfo=UTC),
    }
    values.update(overrides)
    return MovieExportRow(**values)  # type: ignore[arg-type]


def written(*rows: MovieExportRow) -> bytes:
    handle = io.BytesIO()
    writer = MovieCsvWriter(handle)
    for item in rows:
        writer.write(item)
    size = writer.finish()
    assert size == len(handle.getvalue())
    return handle.getvalue()


def test_header_is_the_contracts() -> None:
    assert ",".join(HEADER) == CONTRACT_HEADER
    assert written().decode() == CONTRACT_HEADER + "\r\n"


def test_cells_of_a_movie() -> None:
    assert movie_cells(row()) == [
        "5f1d7f0e8a4b2c3d4e5f6a7b",
        "Moana",
        "2016",
        "2016-11-23",
        "107",
        "Animation|Adventure",
        "Ron Clements",
        "Auli'i Cravalho|Dwayne Johnson",
        "US|BR",
        "7.6",
        "1234",
        "alice",
        "2026-11-21T10:00:00.123000Z",
    ]


def test_missing_values_are_empty_cells() -> None:
    cells = movie_cells(
        row(release_date=None, director=None, cast=(), countries=(), rating_average=None, rating_count=0)
    )
    assert cells[3] == ""
    assert cells[6] == ""
    assert cells[7] == ""
    assert cells[8] == ""
    assert cells[9] == ""
    assert cells[10] == "0"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_prefixes_are_neutralised(prefix: str) -> None:
    assert neutralise(f"{prefix}SUM(A1:A2)") == f"'{prefix}SUM(A1:A2)"


@pytest.mark.parametrize("value", ["", "Moana", "1+1", "A=B", "'quoted", " =not first"])
def test_other_cells_are_unchanged(value: str) -> None:
    assert neutralise(value) == value


def test_every_text_column_is_neutralised() -> None:
    cells = movie_cells(
        row(
            title='=HYPERLINK("http://evil.example","x")',
            genres=("+Genre", "Drama"),
            director="@Director",
            cast=("-Actor", "=Other"),
            created_by="=user",
        )
    )
    assert cells[1] == '\'=HYPERLINK("http://evil.example","x")'
    assert cells[5] == "'+Genre|Drama"
    assert cells[6] == "'@Director"
    assert cells[7] == "'-Actor|=Other"
    assert cells[11] == "'=user"


def test_rfc4180_quoting_and_crlf_line_ends() -> None:
    body = written(row(title='Say "Hi", World'), row(title="Line\nbreak"), row(title="\rCarriage"))
    assert body.endswith(b"\r\n")
    assert body.count(b"\r\n") == 4  # header + 3 rows; cells with line breaks are quoted
    assert b'"Say ""Hi"", World"' in body
    assert b'"Line\nbreak"' in body
    assert b'"\'\rCarriage"' in body
    parsed = list(csv.reader(io.StringIO(body.decode("utf-8"), newline=""), strict=True))
    assert parsed[0] == list(HEADER)
    assert [line[1] for line in parsed[1:]] == ['Say "Hi", World', "Line\nbreak", "'\rCarriage"]
    assert all(len(line) == len(HEADER) for line in parsed)


def test_utf8_without_bom() -> None:
    body = written(row(title="Amélie — 千と千尋"))
    assert not body.startswith(b"\xef\xbb\xbf")
    assert "Amélie — 千と千尋".encode() in body
