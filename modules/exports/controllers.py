"""/v1/exports: create an export, follow it, download its CSV."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.response import Stream
from litestar.status_codes import HTTP_202_ACCEPTED

from app.kernel.http import error_responses
from app.kernel.pagination import Page, PageParams, provide_page_params
from modules.exports.deps import provide_export_service
from modules.exports.schemas import EXPORTS_PATH, ExportCreate, ExportRead
from modules.exports.services import ExportService
from modules.identity import BEARER, Principal, provide_principal, requires_permission

BAD_BODY = (400, 413, 415, 422)
CSV_DOWNLOAD_MEDIA_TYPE = "text/csv"


class ExportController(Controller):
    path = "/exports"
    tags = ["exports"]
    security = BEARER
    cache_control = CacheControlHeader(private=True, no_store=True)
    dependencies = {
        "exports": Provide(provide_export_service),
        "principal": Provide(provide_principal),
        "page_params": Provide(provide_page_params, sync_to_thread=False),
    }

    @post(
        "/",
        status_code=HTTP_202_ACCEPTED,
        guards=[requires_permission("movies:read")],
        summary="Start a CSV export of the filtered catalog",
        responses=error_responses(*BAD_BODY, 401, 403, 429, 503),
    )
    async def create_export(
        self,
        data: JSONBody[ExportCreate],
        exports: NamedDependency[ExportService],
        principal: NamedDependency[Principal],
    ) -> Response[ExportRead]:
        """Needs ``movies:read`` (403 otherwise). Validates ``filters`` exactly like ``GET /v1/movies``
        (422 with ``details.fields`` naming ``filters.<field>``), stores the export as ``pending``
        and queues it for a worker; poll the ``Location`` until ``status`` is ``succeeded`` (then
        ``download_url`` is set) or ``failed`` (``error`` says why). Rows come in the order of
        ``filters.sort`` (default ``-year``; relevance for ``q`` without ``sort``).

        At most ``EXPORT_MAX_ACTIVE_PER_USER`` (default 3) exports per user may be pending or
        running at once: beyond that 429 RATE_LIMITED with ``Retry-After``. When the task queue is
        down: 503 SERVICE_UNAVAILABLE, and the export is recorded as ``failed`` (its id in
        ``details.export_id``), so simply try again later.
        """
        job = await exports.create(principal.id, data.filters)
        return Response(
            ExportRead.of(job),
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": f"{EXPORTS_PATH}/{job.id}"},
        )

    @get("/", summary="My exports, newest first", responses=error_responses(401, 422, 429))
    async def list_exports(
        self,
        exports: NamedDependency[ExportService],
        principal: NamedDependency[Principal],
        page_params: NamedDependency[PageParams],
    ) -> Page[ExportRead]:
        """Only the caller's own exports, newest first (ties by id), paged."""
        found, total = await exports.list_page(principal.id, page_params)
        return Page[ExportRead](
            data=[ExportRead.of(job) for job in found],
            page=page_params.page,
            page_size=page_params.page_size,
            total=total,
        )

    @get("/{export_id:str}", summary="One of my exports", responses=error_responses(401, 404, 429))
    async def get_export(
        self, export_id: FromPath[str], exports: NamedDependency[ExportService], principal: NamedDependency[Principal]
    ) -> ExportRead:
        """Owner only: another user's export (administrators included) and a malformed id are 404
        EXPORT_NOT_FOUND."""
        return ExportRead.of(await exports.get(principal.id, export_id))

    @get(
        "/{export_id:str}/download",
        media_type=CSV_DOWNLOAD_MEDIA_TYPE,
        guards=[requires_permission("movies:read")],
        summary="Download the CSV of a succeeded export",
        response_description="The CSV file (RFC 4180, UTF-8, header row), as an attachment",
        responses=error_responses(401, 403, 404, 409, 410, 429, 503),
    )
    async def download_export(
        self, export_id: FromPath[str], exports: NamedDependency[ExportService], principal: NamedDependency[Principal]
    ) -> Stream:
        """Owner only (others: 404 EXPORT_NOT_FOUND); needs ``movies:read``. Streamed through the API on both storage
        backends (no redirect to object storage). 409 EXPORT_NOT_READY while the export is
        ``pending``/``running`` or when it ``failed``; 410 EXPORT_EXPIRED once ``expires_at`` has
        passed (the file is deleted by a periodic task)."""
        download = await exports.open_download(principal.id, export_id)
        headers = {"Content-Disposition": f'attachment; filename="{download.filename}"'}
        if download.size_bytes is not None:
            headers["Content-Length"] = str(download.size_bytes)
        # Litestar appends the response charset (utf-8) to text/* media types
        return Stream(download.chunks, media_type=CSV_DOWNLOAD_MEDIA_TYPE, headers=headers)
