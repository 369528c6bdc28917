"""Request and response models of /v1/exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from modules.catalog import MovieListFilters
from modules.exports.documents import ExportJob, ExportStatus, utcnow

EXPORTS_PATH = "/v1/exports"


class ExportCreate(BaseModel):
    """What to export: the movies matching ``filters`` (any ``GET /v1/movies`` filter, and
    ``sort`` for the row order; no paging), as CSV."""

    model_config = ConfigDict(extra="forbid")

    resource: Literal["movies"] = Field(description="what to export (only `movies`)")
    format: Literal["csv"] = Field(default="csv", description="file format (only `csv`)")
    filters: MovieListFilters = Field(
        default_factory=MovieListFilters,
        description="the GET /v1/movies filters and `sort` (default: every movie, newest year first)",
    )


class ExportRead(BaseModel):
    """An export job. ``download_url`` is set while the file can be downloaded."""

    id: str
    resource: Literal["movies"]
    format: Literal["csv"]
    filters: dict[str, Any]
    status: ExportStatus
    progress: float = Field(ge=0.0, le=1.0, description="rows written / rows matching, 0.0-1.0")
    row_count: int | None = Field(description="rows in the file (data rows, header excluded) once succeeded")
    size_bytes: int | None = Field(description="size of the file once succeeded")
    error: str | None = Field(description="why the export failed")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="when the file stops being downloadable (410 afterwards)")
    download_url: str | None = Field(description="path of the download while the file is available, else null")

    @classmethod
    def of(cls, job: ExportJob, now: datetime | None = None) -> ExportRead:
        return cls(
            id=str(job.id),
            resource=job.resource,
            format=job.format,
            filters=job.filters,
            status=job.status,
            progress=min(max(job.progress, 0.0), 1.0),
            row_count=job.row_count,
            size_bytes=job.size_bytes,
            error=job.error,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            expires_at=job.expires_at,
            download_url=f"{EXPORTS_PATH}/{job.id}/download" if job.is_downloadable(now or utcnow()) else None,
        )
