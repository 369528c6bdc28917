"""HTTP routes of the reference data: /v1/genres, /v1/countries, /v1/directors, /v1/actors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, HeaderParameter, JSONBody, Parameter, RawBody
from litestar.response import Redirect, Stream
from litestar.status_codes import HTTP_201_CREATED, HTTP_304_NOT_MODIFIED

from app.kernel import runtime
from app.kernel.http import error_responses
from app.kernel.pagination import Page, PageParams, provide_page_params
from app.kernel.storage import storage_from_settings
from modules.catalog.schemas._reference import (
    ActorDetail,
    ActorRead,
    CountryCreate,
    CountryRead,
    DirectorDetail,
    DirectorRead,
    GenreCreate,
    GenreRead,
    PersonCreate,
)
from modules.catalog.services._reference import (
    PHOTO_TYPES,
    ActorService,
    CountryService,
    DirectorPhotoService,
    DirectorService,
    GenreService,
)
from modules.identity import BEARER, Principal, provide_principal, requires_admin, requires_permission

PHOTO_MAX_BYTES = 5 * 1024 * 1024
SearchQuery = Annotated[
    str | None,
    Parameter(
        min_length=1,
        max_length=200,
        description="words of the name, each matched as the prefix of a word of the name (case and accents ignored)",
    ),
]
LOCATION = [ResponseHeader(name="Location", description="path of the created resource", documentation_only=True)]


@dataclass
class PhotoUploadOperation(Operation):
    """OpenAPI for the raw image body of ``PUT /v1/directors/{id}/photo``."""

    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
        self.request_body = RequestBody(
            content=dict.fromkeys(PHOTO_TYPES, binary),
            description="the image bytes, at most 5 MB; the content must really be the declared type",
            required=True,
        )


def provide_genre_service() -> GenreService:
    return GenreService()


def provide_country_service() -> CountryService:
    return CountryService()


def provide_director_service() -> DirectorService:
    return DirectorService()


def provide_actor_service() -> ActorService:
    return ActorService()


def provide_photo_service() -> DirectorPhotoService:
    return DirectorPhotoService(storage_from_settings(runtime.current().settings))


def _sync(provider: Any) -> Provide:
    return Provide(provider, sync_to_thread=False)


PAGING = _sync(provide_page_params)


class GenreController(Controller):
    path = "/genres"
    tags = ["genres"]
    security = BEARER
    dependencies = {"genres": _sync(provide_genre_service), "paging": PAGING}

    @get("/", summary="List genres", responses=error_responses(401, 422, 429))
    async def list_genres(
        self, genres: NamedDependency[GenreService], paging: NamedDependency[PageParams]
    ) -> Page[GenreRead]:
        """Sorted by name case-insensitively."""
        items, total = await genres.list_page(paging)
        return Page(
            data=[GenreRead.of(genre) for genre in items], page=paging.page, page_size=paging.page_size, total=total
        )

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        guards=[requires_admin],
        summary="Create a genre (admin)",
        response_headers=LOCATION,
        responses=error_responses(400, 401, 403, 409, 413, 415, 422, 429),
    )
    async def create_genre(
        self, data: JSONBody[GenreCreate], genres: NamedDependency[GenreService]
    ) -> Response[GenreRead]:
        """Names are unique case-insensitively: a clash is 409 GENRE_EXISTS."""
        genre = GenreRead.of(await genres.create(data.name))
        return Response(genre, status_code=HTTP_201_CREATED, headers={"Location": f"/v1/genres/{genre.id}"})

    @get("/{genre_id:str}", summary="A genre", responses=error_responses(401, 404, 429))
    async def get_genre(self, genre_id: FromPath[str], genres: NamedDependency[GenreService]) -> GenreRead:
        """404 GENRE_NOT_FOUND for an unknown or malformed id."""
        return GenreRead.of(await genres.get(genre_id))


class CountryController(Controller):
    path = "/countries"
    tags = ["countries"]
    security = BEARER
    dependencies = {"countries": _sync(provide_country_service), "paging": PAGING}

    @get("/", summary="List countries", responses=error_responses(401, 422, 429))
    async def list_countries(
        self, countries: NamedDependency[CountryService], paging: NamedDependency[PageParams]
    ) -> Page[CountryRead]:
        """Sorted by code."""
        items, total = await countries.list_page(paging)
        return Page(
            data=[CountryRead.of(country) for country in items],
            page=paging.page,
            page_size=paging.page_size,
            total=total,
        )

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        guards=[requires_admin],
        summary="Add a country (admin)",
        response_headers=LOCATION,
        responses=error_responses(400, 401, 403, 409, 413, 415, 422, 429),
    )
    async def create_country(
        self, data: JSONBody[CountryCreate], countries: NamedDependency[CountryService]
    ) -> Response[CountryRead]:
        """``code`` must be an officially assigned ISO 3166-1 alpha-2 code (422 otherwise; lower case
        is accepted and stored upper case); an existing code is 409 COUNTRY_EXISTS."""
        country = CountryRead.of(await countries.create(data.code, data.name))
        return Response(country, status_code=HTTP_201_CREATED, headers={"Location": f"/v1/countries/{country.code}"})

    @get("/{code:str}", summary="A country by its code", responses=error_responses(401, 404, 429))
    async def get_country(self, code: FromPath[str], countries: NamedDependency[CountryService]) -> CountryRead:
        """The code is case-insensitive (``us`` is ``US``); unknown or malformed codes are 404 NOT_FOUND."""
        return CountryRead.of(await countries.get(code))


class DirectorController(Controller):
    path = "/directors"
    tags = ["directors"]
    security = BEARER
    dependencies = {
        "directors": _sync(provide_director_service),
        "photos": _sync(provide_photo_service),
        "paging": PAGING,
        "principal": Provide(provide_principal),
    }

    @get("/", summary="List or search directors", responses=error_responses(401, 422, 429))
    async def list_directors(
        self, directors: NamedDependency[DirectorService], paging: NamedDependency[PageParams], q: SearchQuery = None
    ) -> Page[DirectorRead]:
        """Sorted by name (case-insensitively), then id. ``q=ame`` finds "Amélie Poulain";
        ``q=fra cop`` finds "Francis Ford Coppola"."""
        items, total = await directors.list_page(paging, q)
        return Page(
            data=[DirectorRead.of(director) for director in items],
            page=paging.page,
            page_size=paging.page_size,
            total=total,
        )

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        guards=[requires_permission("movies:write")],
        summary="Create a director (movies:write)",
        response_headers=LOCATION,
        responses=error_responses(400, 401, 403, 413, 415, 422, 429),
    )
    async def create_director(
        self,
        data: JSONBody[PersonCreate],
        directors: NamedDependency[DirectorService],
        principal: NamedDependency[Principal],
    ) -> Response[DirectorDetail]:
        director = await directors.create(data.name, data.date_of_birth, principal.id)
        body = DirectorDetail.build(director, [])
        return Response(body, status_code=HTTP_201_CREATED, headers={"Location": f"/v1/directors/{body.id}"})

    @get(
        "/{director_id:str}",
        summary="A director with photo_url and filmography",
        responses=error_responses(401, 404, 429),
    )
    async def get_director(
        self, director_id: FromPath[str], directors: NamedDependency[DirectorService]
    ) -> DirectorDetail:
        director = await directors.get(director_id)
        return DirectorDetail.build(director, await directors.filmography(director))

    @put(
        "/{director_id:str}/photo",
        guards=[requires_permission("movies:write")],
        opt={"accepts": tuple(PHOTO_TYPES)},
        request_max_body_size=PHOTO_MAX_BYTES,
        operation_class=PhotoUploadOperation,
        summary="Upload or replace the director's photo (movies:write)",
        responses=error_responses(401, 403, 404, 413, 415, 429, 503),
    )
    async def put_photo(
        self,
        director_id: FromPath[str],
        request: Request[Any, Any, Any],
        body: RawBody,
        photos: NamedDependency[DirectorPhotoService],
        directors: NamedDependency[DirectorService],
    ) -> DirectorDetail:
        """The request body is the image itself (not JSON), with ``Content-Type`` ``image/jpeg``,
        ``image/png`` or ``image/webp``, at most 5 MB (413 beyond). The content is checked: bytes that
        are not a JPEG, PNG or WebP image, or not the declared type, are 415. Replaces any previous
        photo."""
        director = await photos.replace(director_id, body, request.headers.get("content-type", ""))
        return DirectorDetail.build(director, await directors.filmography(director))

    @get(
        "/{director_id:str}/photo",
        summary="The director's photo",
        responses={
            200: ResponseSpec(
                bytes,
                description="The image (filesystem storage, or S3 storage clients cannot reach)",
                media_type="image/*",
                generate_examples=False,
            ),
            302: ResponseSpec(
                None, description="Redirect to a short-lived presigned URL (S3 storage that clients reach)"
            ),
            304: ResponseSpec(None, description="Not modified (If-None-Match matched the ETag)"),
            **error_responses(401, 404, 429, 503),
        },
    )
    async def get_photo(
        self,
        director_id: FromPath[str],
        photos: NamedDependency[DirectorPhotoService],
        if_none_match: Annotated[str | None, HeaderParameter(name="If-None-Match", required=False)] = None,
    ) -> Response[Any]:
        """The bytes, with their content type; with S3 storage that clients can reach (AWS, or
        ``S3_PUBLIC_ENDPOINT_URL`` set) a 302 to a presigned URL valid for 5 minutes instead. 404
        NOT_FOUND when the director has no photo (DIRECTOR_NOT_FOUND when there is no such director)."""
        download = await photos.download(director_id, if_none_match)
        headers = {"ETag": f'"{download.etag}"', "Cache-Control": "private, max-age=300"}
        if download.redirect_url is not None:
            return Redirect(download.redirect_url, headers={"Cache-Control": "no-store"})
        if download.chunks is None:
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        return Stream(download.chunks, media_type=download.content_type, headers=headers)


class ActorController(Controller):
    path = "/actors"
    tags = ["actors"]
    security = BEARER
    dependencies = {"actors": _sync(provide_actor_service), "paging": PAGING, "principal": Provide(provide_principal)}

    @get("/", summary="List or search actors", responses=error_responses(401, 422, 429))
    async def list_actors(
        self, actors: NamedDependency[ActorService], paging: NamedDependency[PageParams], q: SearchQuery = None
    ) -> Page[ActorRead]:
        """Sorted by name (case-insensitively), then id; ``q`` as for directors."""
        items, total = await actors.list_page(paging, q)
        return Page(
            data=[ActorRead.of(actor) for actor in items], page=paging.page, page_size=paging.page_size, total=total
        )

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        guards=[requires_permission("movies:write")],
        summary="Create an actor (movies:write)",
        response_headers=LOCATION,
        responses=error_responses(400, 401, 403, 413, 415, 422, 429),
    )
    async def create_actor(
        self, data: JSONBody[PersonCreate], actors: NamedDependency[ActorService], principal: NamedDependency[Principal]
    ) -> Response[ActorDetail]:
        actor = await actors.create(data.name, data.date_of_birth, principal.id)
        body = ActorDetail.build(actor, [])
        return Response(body, status_code=HTTP_201_CREATED, headers={"Location": f"/v1/actors/{body.id}"})

    @get("/{actor_id:str}", summary="An actor with filmography", responses=error_responses(401, 404, 429))
    async def get_actor(self, actor_id: FromPath[str], actors: NamedDependency[ActorService]) -> ActorDetail:
        """The filmography lists each movie with the character(s) played, newest first."""
        actor = await actors.get(actor_id)
        return ActorDetail.build(actor, await actors.filmography(actor))
