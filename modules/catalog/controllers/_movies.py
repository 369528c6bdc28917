"""Movie routes: ``/v1/movies`` and ``/v1/movies/{movie_id}``."""

from __future__ import annotations

import re
from typing import Annotated, Any, cast

from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_304_NOT_MODIFIED

from app.kernel.http import error_responses
from app.kernel.pagination import Page, PageParams, provide_page_params
from modules.catalog.deps import provide_movie_list_filters, provide_movie_listing, provide_movie_service
from modules.catalog.schemas import MovieCreate, MovieDetail, MovieListFilters, MovieListItem, MovieUpdate
from modules.catalog.services import MovieListing, MovieService
from modules.catalog.services._cached_json import cached_detail_json, cached_page_json
from modules.identity import BEARER, Principal, provide_principal, requires_permission

_ENTITY_TAG = re.compile(r'\s*(?:W/)?"([^"]*)"\s*')
ETAG_HEADER = ResponseHeader(
    name="ETag", description='the movie\'s version, quoted: "<version>"', documentation_only=True
)
LOCATION_HEADER = ResponseHeader(name="Location", description="the new movie's URL", documentation_only=True)


def etag(version: int) -> str:
    return f'"{version}"'


def entity_tag_versions(header: str) -> frozenset[int] | None:
    """The versions an ``If-Match``/``If-None-Match`` header names; None for ``*`` (any).

    Anything unreadable names no version, so it can never match.
    """
    if header.strip() == "*":
        return None
    versions = set()
    for part in header.split(","):
        match = _ENTITY_TAG.fullmatch(part)
        if match and match.group(1).isdigit():
            versions.add(int(match.group(1)))
    return frozenset(versions)


def _detail_response(detail: MovieDetail, status_code: int = 200, **headers: str) -> Response[MovieDetail]:
    return Response(detail, status_code=status_code, headers={"ETag": etag(detail.version), **headers})


class MovieController(Controller):
    path = "/movies"
    tags = ["movies"]
    security = BEARER
    dependencies = {
        "movies": Provide(provide_movie_service),
        "principal": Provide(provide_principal),
    }

    @get(
        "/",
        summary="List movies (filters, sort, full-text search)",
        guards=[requires_permission("movies:read")],
        dependencies={
            "listing": Provide(provide_movie_listing),
            "filters": Provide(provide_movie_list_filters),
            "paging": Provide(provide_page_params, sync_to_thread=False),
        },
        responses=error_responses(401, 403, 422, 429),
    )
    async def list_movies(
        self,
        listing: NamedDependency[MovieListing],
        filters: NamedDependency[MovieListFilters],
        paging: NamedDependency[PageParams],
    ) -> Response[Page[MovieListItem]]:
        """Every filter is optional and they combine (AND). ``genre`` may repeat: a movie must have all
        of them. ``min_rating``/``max_rating`` only match rated movies. Without ``sort``, a ``q`` search
        is ranked by relevance (title matches weigh 3x, then newest id first), anything else by
        ``-year``. Every sort breaks ties by id in the same direction; unrated movies sort as the
        lowest ratings and movies without a release date sort before every date. Unknown or repeated
        query parameters, malformed ids (``genre``, ``director``, ``actor``, ``created_by``) and values
        outside their range are 422 VALIDATION_ERROR with ``details.fields``."""
        cached = await cached_page_json(filters, paging)
        if cached is not None:
            # a hot page's cached JSON document as stored: no validation, no re-serialisation
            return cast("Response[Page[MovieListItem]]", Response(cached, media_type=MediaType.JSON))
        return Response(await listing.page(filters, paging))

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Create a movie",
        guards=[requires_permission("movies:write")],
        response_headers=[LOCATION_HEADER, ETAG_HEADER],
        responses=error_responses(400, 401, 403, 409, 413, 415, 422, 429),
    )
    async def create_movie(
        self, data: JSONBody[MovieCreate], movies: NamedDependency[MovieService], principal: NamedDependency[Principal]
    ) -> Response[MovieDetail]:
        """Needs ``movies:write``. Every referenced genre, director, actor and country must exist
        (422 REFERENCE_NOT_FOUND, ``details.field`` names which); a title already used, compared
        case-insensitively, is 409 TITLE_TAKEN; unknown fields are 422."""
        detail = await movies.create(data, principal)
        return _detail_response(detail, HTTP_201_CREATED, Location=f"/v1/movies/{detail.id}")

    @get(
        "/{movie_id:str}",
        summary="A movie, with names resolved",
        guards=[requires_permission("movies:read")],
        response_headers=[ETAG_HEADER],
        responses={
            HTTP_304_NOT_MODIFIED: ResponseSpec(
                data_container=None, description="Not modified: If-None-Match names the current version"
            ),
            **error_responses(401, 403, 404, 429),
        },
    )
    async def get_movie(
        self,
        movie_id: FromPath[str],
        movies: NamedDependency[MovieService],
        if_none_match: Annotated[
            str | None,
            HeaderParameter(name="If-None-Match", required=False, description='"<version>" from an earlier ETag'),
        ] = None,
    ) -> Response[Any]:
        """``ETag`` is the movie's edit version; ``If-None-Match`` with it answers 304. The rating
        aggregate is live data that does not change the version. A malformed id is 404."""
        cached = await cached_detail_json(movie_id)
        response: Response[Any]
        if cached is None:
            detail = await movies.get(movie_id)
            version, response = detail.version, _detail_response(detail)
        else:
            # the cached JSON document as stored: no validation, no re-serialisation
            version = cached.version
            response = Response(cached.body, media_type=MediaType.JSON, headers={"ETag": etag(version)})
        if if_none_match is not None:
            versions = entity_tag_versions(if_none_match)
            if versions is None or version in versions:
                return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers={"ETag": etag(version)})
        return response

    @patch(
        "/{movie_id:str}",
        summary="Edit a movie (partial; optimistic concurrency)",
        response_headers=[ETAG_HEADER],
        responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429),
    )
    async def update_movie(
        self,
        movie_id: FromPath[str],
        data: JSONBody[MovieUpdate],
        movies: NamedDependency[MovieService],
        principal: NamedDependency[Principal],
        if_match: Annotated[
            str | None,
            HeaderParameter(name="If-Match", required=False, description='"<version>" being edited (or body version)'),
        ] = None,
    ) -> Response[MovieDetail]:
        """The creator or an admin. Only the fields sent change (``synopsis`` and ``release_date`` may
        be null). ``If-Match: "<version>"`` or the body's ``version`` guards the edit: a version that
        is not the current one is 409 EDIT_CONFLICT (also when another edit of that version wins
        the race); without either, the edit applies to whatever is current. The answer carries
        ``version`` + 1. A title clash is 409 TITLE_TAKEN; references must exist (422
        REFERENCE_NOT_FOUND). Changing ``countries`` announces ``movie.availability_changed``."""
        versions = entity_tag_versions(if_match) if if_match is not None else None
        return _detail_response(await movies.update(movie_id, data, principal, versions))

    @delete(
        "/{movie_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a movie",
        responses=error_responses(401, 403, 404, 429),
    )
    async def delete_movie(
        self, movie_id: FromPath[str], movies: NamedDependency[MovieService], principal: NamedDependency[Principal]
    ) -> None:
        """The creator or an admin. The movie also leaves every personal list and its ratings
        (``movie.deleted`` is announced to those modules)."""
        await movies.delete(movie_id, principal)
