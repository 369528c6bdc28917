"""The exports module's public interface.

Nothing imports exports (it is the top module); this is for the benchmark and operators:
``export_movies_csv`` streams the movies matching a set of ``GET /v1/movies`` filters into a
binary file with the very writer and catalog cursor the ``exports.build_csv`` task uses, and
returns the same statistics that task returns (rows, bytes, seconds, rows per second, peak RSS).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import IO, Any

from modules.catalog import MovieListFilters
from modules.exports.csv_writer import HEADER
from modules.exports.services import BUILD_TASK, ExportStats, peak_rss_bytes, write_movies_csv


async def export_movies_csv(filters: Mapping[str, Any], destination: IO[bytes]) -> ExportStats:
    """Write the export CSV of the movies matching ``filters`` into ``destination`` (in this
    process, no job). Raises ``pydantic.ValidationError`` for invalid filters."""
    parsed = MovieListFilters.model_validate(dict(filters))
    started = time.monotonic()
    rows, size = await write_movies_csv(parsed, destination)
    seconds = time.monotonic() - started
    return ExportStats(
        export_id="",
        outcome="succeeded",
        row_count=rows,
        size_bytes=size,
        seconds=round(seconds, 3),
        rows_per_second=round(rows / seconds, 1) if seconds > 0 else 0.0,
        peak_rss_bytes=peak_rss_bytes(),
    )


__all__ = ["BUILD_TASK", "HEADER", "ExportStats", "export_movies_csv"]
