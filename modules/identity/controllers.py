"""Identity HTTP routes: /v1/auth/* and /v1/users/*."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.kernel.http import error_responses
from modules.identity import BEARER
from modules.identity.deps import provide_auth_service, provide_user_service
from modules.identity.guards import provide_principal, resolve_user_id
from modules.identity.principal import Principal
from modules.identity.schemas import LoginRequest, RefreshRequest, RegisterRequest, TokenPair, UserPrivate, UserPublic
from modules.identity.services import AuthService, UserService


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]
    cache_control = CacheControlHeader(no_store=True)
    dependencies = {
        "users": Provide(provide_user_service),
        "auth": Provide(provide_auth_service),
        "principal": Provide(provide_principal),
    }

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        opt={"public": True},
        summary="Create an account",
        responses=error_responses(400, 409, 413, 415, 422, 429),
    )
    async def register(self, data: JSONBody[RegisterRequest], users: NamedDependency[UserService]) -> UserPrivate:
        """Usernames are unique case-insensitively; the new account is a member, not yet activated."""
        return UserPrivate.of(await users.register(data))

    @post(
        "/login",
        status_code=200,
        opt={"public": True},
        summary="Log in with username, email or phone",
        responses=error_responses(400, 401, 413, 415, 422, 429),
    )
    async def login(self, data: JSONBody[LoginRequest], auth: NamedDependency[AuthService]) -> TokenPair:
        return await auth.login(data.login, data.password)

    @post(
        "/refresh",
        status_code=200,
        opt={"public": True},
        summary="Rotate a refresh token for a new token pair",
        responses=error_responses(400, 401, 413, 415, 422, 429),
    )
    async def refresh(self, data: JSONBody[RefreshRequest], auth: NamedDependency[AuthService]) -> TokenPair:
        """Replaying a refresh token that was already rotated revokes the whole session."""
        return await auth.refresh(data.refresh_token)

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        security=BEARER,
        opt={"allow_inactive": True},
        summary="End this session",
        responses=error_responses(401, 429),
    )
    async def logout(self, auth: NamedDependency[AuthService], principal: NamedDependency[Principal]) -> None:
        """The access token and its refresh token stop working at once."""
        await auth.logout(principal)


class UserController(Controller):
    path = "/users"
    tags = ["users"]
    security = BEARER
    dependencies = {"users": Provide(provide_user_service), "principal": Provide(provide_principal)}

    @get("/me", summary="My account (private view)", responses=error_responses(401, 429))
    async def me(self, users: NamedDependency[UserService], principal: NamedDependency[Principal]) -> UserPrivate:
        return UserPrivate.of(await users.get(principal.id))

    @get("/{user_id:str}", summary="A user's public profile", responses=error_responses(401, 404, 429))
    async def public_profile(
        self, user_id: FromPath[str], users: NamedDependency[UserService], principal: NamedDependency[Principal]
    ) -> UserPublic:
        """No email or phone; ``stats`` come from the ratings module. ``me`` is the caller."""
        return UserPublic.of(await users.get(resolve_user_id(principal, user_id)))
