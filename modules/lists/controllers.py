"""The list routes: ``/v1/users/{user_id}/{saved-movies|favorites|wishlist}``.

One controller serves the three lists; each list gets its own concrete path (so a list name
never competes with other ``/users/{user_id}/...`` routes such as ``ratings`` or ``roles``),
mounted twice: under ``{user_id}`` and under the literal ``me``. Litestar's router prefers the
static ``/users/me`` branch of identity's routes and never falls back to ``{user_id}``, so
``me`` needs its own mount; it is left out of the OpenAPI document, where ``{user_id}``
documents that ``me`` is accepted. Each mount hands the handlers the user id it names as the
``user_ref`` dependency.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from litestar.types import Dependencies

from app.kernel.http import error_responses
from app.kernel.pagination import Page, PageParams, provide_page_params
from modules.identity import BEARER, Principal, provide_principal
from modules.lists.deps import provide_list_service
from modules.lists.rules import COUNTRY_PATTERN, DEFAULT_SORT, ListName, ListSort
from modules.lists.schemas import ListedMovie, ListEntryCreate, ListItem
from modules.lists.services import ListService

ME = "me"

CountryFilter = Annotated[
    str | None,
    QueryParameter(
        pattern=COUNTRY_PATTERN,
        description="ISO 3166-1 alpha-2 (upper case): only movies available in this country. "
        "Required for saved-movies (422 VALIDATION_ERROR without it), optional for the other lists.",
    ),
]
SortOrder = Annotated[
    ListSort, QueryParameter(description="by date added, oldest (`date_added`) or newest (`-date_added`) first")
]


def provide_user_id_from_path(
    user_id: Annotated[str, PathParameter(description="the owner's user id, or `me` for the caller")],
) -> str:
    return user_id


def provide_me() -> str:
    return ME


COMMON_DEPENDENCIES: Dependencies = {
    "lists": Provide(provide_list_service),
    "principal": Provide(provide_principal),
    "paging": Provide(provide_page_params, sync_to_thread=False),
}


class ListController(Controller):
    """The routes of one list; concrete mounts set ``path``, ``list_name`` and ``user_ref``."""

    list_name: ClassVar[ListName]
    tags = ["lists"]
    security = BEARER
    dependencies = COMMON_DEPENDENCIES

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Add a movie to the list",
        responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429),
    )
    async def add(
        self,
        data: JSONBody[ListEntryCreate],
        lists: NamedDependency[ListService],
        principal: NamedDependency[Principal],
        user_ref: NamedDependency[str],
    ) -> ListedMovie:
        """Answers with the movie. 403 FORBIDDEN for another member's list (admins may);
        404 MOVIE_NOT_FOUND for an unknown or malformed movie id, USER_NOT_FOUND when an admin
        names a malformed user id; 409 DUPLICATE_SAVE when the movie is already in the list
        (also under concurrent requests); 422 UNAVAILABLE_IN_COUNTRY when the movie is not
        available in `country`, VALIDATION_ERROR when `country` is missing for saved-movies."""
        owner_id = await lists.owner_of(principal, user_ref)
        return ListedMovie.of(await lists.add(owner_id, self.list_name, data.movie_id, data.country))

    @get(
        "/",
        summary="A page of the list",
        responses=error_responses(401, 403, 404, 422, 429),
    )
    async def page(
        self,
        lists: NamedDependency[ListService],
        principal: NamedDependency[Principal],
        paging: NamedDependency[PageParams],
        user_ref: NamedDependency[str],
        country: CountryFilter = None,
        sort: SortOrder = DEFAULT_SORT,
    ) -> Page[ListItem]:
        """Items `{id, title, year, date_added}` in date-added order, ties broken by id. 403
        FORBIDDEN for another member's list (admins may); 404 USER_NOT_FOUND when an admin names
        a malformed user id."""
        owner_id = await lists.owner_of(principal, user_ref)
        movies, total = await lists.page(owner_id, self.list_name, country, sort, paging)
        return Page[ListItem](
            data=[ListItem.of(movie) for movie in movies], page=paging.page, page_size=paging.page_size, total=total
        )

    @delete(
        "/{movie_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a movie from the list",
        responses=error_responses(401, 403, 404, 429),
    )
    async def remove(
        self,
        movie_id: FromPath[str],
        lists: NamedDependency[ListService],
        principal: NamedDependency[Principal],
        user_ref: NamedDependency[str],
    ) -> None:
        """404 NOT_SAVED when the movie (or a malformed id) is not in the list; 403 FORBIDDEN for
        another member's list (admins may); 404 USER_NOT_FOUND when an admin names a malformed
        user id."""
        owner_id = await lists.owner_of(principal, user_ref)
        await lists.remove(owner_id, self.list_name, movie_id)


def _mount(list_name: ListName, owner_segment: str, user_ref: Provide, *, documented: bool) -> type[ListController]:
    stem = "".join(part.title() for part in list_name.value.split("-"))
    return type(
        f"{stem}Controller" if documented else f"My{stem}Controller",
        (ListController,),
        {
            "path": f"/users/{owner_segment}/{list_name.value}",
            "list_name": list_name,
            "dependencies": {**COMMON_DEPENDENCIES, "user_ref": user_ref},
            "include_in_schema": documented,
        },
    )


def _mounts(list_name: ListName) -> list[type[ListController]]:
    """The list's controller under ``/users/{user_id}/<list>`` and under ``/users/me/<list>``."""
    return [
        _mount(list_name, "{user_id:str}", Provide(provide_user_id_from_path, sync_to_thread=False), documented=True),
        _mount(list_name, ME, Provide(provide_me, sync_to_thread=False), documented=False),
    ]


LIST_CONTROLLERS: list[type[ListController]] = [
    controller for list_name in ListName for controller in _mounts(list_name)
]
