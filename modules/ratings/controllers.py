"""Ratings HTTP routes: /v1/movies/{movie_id}/rating(s) and /v1/users/{user_id}/ratings."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, put
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.kernel.http import error_responses
from app.kernel.pagination import Page, PageParams, provide_page_params
from modules.identity import BEARER, Principal, provide_principal, resolve_user_id, user_exists
from modules.ratings.deps import provide_rating_service
from modules.ratings.errors import UserNotFound
from modules.ratings.schemas import MovieRatingItem, RatedMovieRead, RatingPut, RatingRead, RatingSort, UserRatingItem
from modules.ratings.services import Rater, RatingService, canonical_id

SortParam = Annotated[
    RatingSort,
    QueryParameter(description="`-rated_at` (newest first, default), `rated_at`, `-score`, `score`; ties by id"),
]
MovieIdParam = Annotated[str, PathParameter(description="the movie's id (24 hex digits)")]

_DEPENDENCIES = {
    "ratings": Provide(provide_rating_service),
    "principal": Provide(provide_principal),
    "page_params": Provide(provide_page_params, sync_to_thread=False),
}


class MovieRatingController(Controller):
    path = "/movies/{movie_id:str}"
    tags = ["ratings"]
    security = BEARER
    dependencies = _DEPENDENCIES

    @put(
        "/rating",
        summary="Rate a movie (create or replace my rating)",
        status_code=HTTP_200_OK,
        responses={
            HTTP_201_CREATED: ResponseSpec(RatingRead, description="The first rating of this movie by the caller"),
            **error_responses(400, 401, 403, 404, 413, 415, 422, 429),
        },
    )
    async def put_rating(
        self,
        movie_id: FromPath[MovieIdParam],
        data: JSONBody[RatingPut],
        ratings: NamedDependency[RatingService],
        principal: NamedDependency[Principal],
    ) -> Response[RatingRead]:
        """One rating per user and movie: 201 the first time, 200 when it replaces the caller's rating.

        PUT replaces the whole rating, so a body without `review` clears the review. The movie's
        `rating` aggregate follows within seconds (recomputed by a background worker).
        404 MOVIE_NOT_FOUND for an unknown or malformed movie id.
        """
        rating, created = await ratings.put(movie_id, Rater(principal.id, principal.username), data.score, data.review)
        if created:
            return Response(
                RatingRead.of(rating),
                status_code=HTTP_201_CREATED,
                headers={"Location": f"/v1/movies/{rating.movie_id}/rating"},
            )
        return Response(RatingRead.of(rating), status_code=HTTP_200_OK)

    @get("/rating", summary="My rating of a movie", responses=error_responses(401, 404, 429))
    async def get_rating(
        self,
        movie_id: FromPath[MovieIdParam],
        ratings: NamedDependency[RatingService],
        principal: NamedDependency[Principal],
    ) -> RatingRead:
        """404 NOT_RATED when the caller has not rated the movie; 404 MOVIE_NOT_FOUND for an unknown movie."""
        return RatingRead.of(await ratings.get_own(movie_id, principal.id))

    @delete(
        "/rating",
        summary="Remove my rating of a movie",
        status_code=HTTP_204_NO_CONTENT,
        responses=error_responses(401, 403, 404, 429),
    )
    async def delete_rating(
        self,
        movie_id: FromPath[MovieIdParam],
        ratings: NamedDependency[RatingService],
        principal: NamedDependency[Principal],
    ) -> None:
        """404 NOT_RATED when there is no rating to remove; the aggregate follows within seconds."""
        await ratings.delete(movie_id, principal.id)

    @get("/ratings", summary="A movie's ratings", responses=error_responses(401, 404, 422, 429))
    async def list_movie_ratings(
        self,
        movie_id: FromPath[MovieIdParam],
        ratings: NamedDependency[RatingService],
        page_params: NamedDependency[PageParams],
        sort: SortParam = RatingSort.NEWEST,
    ) -> Page[MovieRatingItem]:
        """Public to every authenticated user: each rater's id and username, score, review, dates."""
        items, total = await ratings.list_for_movie(movie_id, sort, page_params)
        return Page(
            data=[MovieRatingItem.of(rating) for rating in items],
            page=page_params.page,
            page_size=page_params.page_size,
            total=total,
        )


class UserRatingsController(Controller):
    path = "/users/{user_id:str}/ratings"
    tags = ["ratings"]
    security = BEARER
    dependencies = _DEPENDENCIES

    @get(summary="A user's profile of rated movies", responses=error_responses(401, 404, 422, 429))
    async def list_user_ratings(
        self,
        ratings: NamedDependency[RatingService],
        principal: NamedDependency[Principal],
        page_params: NamedDependency[PageParams],
        user_id: FromPath[str] = "me",
        sort: SortParam = RatingSort.NEWEST,
    ) -> Page[UserRatingItem]:
        """Ratings are public to authenticated users. `me` is the caller.

        404 USER_NOT_FOUND for an unknown or malformed user id.
        """
        user = canonical_id(resolve_user_id(principal, user_id))
        if user is None or (user != principal.id and not await user_exists(user)):
            raise UserNotFound()
        items, total = await ratings.list_for_user(user, sort, page_params)
        return Page(
            data=[
                UserRatingItem(
                    movie=RatedMovieRead(id=item.movie.id, title=item.movie.title, year=item.movie.year),
                    score=item.rating.score,
                    review=item.rating.review,
                    rated_at=item.rating.rated_at,
                    updated_at=item.rating.updated_at,
                )
                for item in items
            ],
            page=page_params.page,
            page_size=page_params.page_size,
            total=total,
        )


class MyRatingsController(UserRatingsController):
    """``/users/me/ratings``: identity's static ``/users/me`` routes shadow the ``{user_id}`` branch."""

    path = "/users/me/ratings"
    include_in_schema = False
