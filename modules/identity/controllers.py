"""Identity HTTP routes: /v1/auth/* and /v1/users/*."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from app.kernel.http import error_responses
from app.kernel.pagination import Page, PageParams, provide_page_params
from modules.identity import BEARER
from modules.identity.deps import provide_account_service, provide_auth_service, provide_user_service
from modules.identity.guards import provide_principal, requires_admin, resolve_user_id
from modules.identity.principal import Principal
from modules.identity.schemas import (
    USERNAME_PREFIX_PATTERN,
    ActivateRequest,
    LoginRequest,
    PasswordChange,
    PasswordResetAccepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    RegisterRequest,
    RolesUpdate,
    TokenPair,
    UserPrivate,
    UserPublic,
    UserUpdate,
)
from modules.identity.services import AccountService, AuthService, UserService

BAD_BODY = (400, 413, 415, 422)


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]
    cache_control = CacheControlHeader(no_store=True)
    dependencies = {
        "users": Provide(provide_user_service),
        "auth": Provide(provide_auth_service),
        "accounts": Provide(provide_account_service),
        "principal": Provide(provide_principal),
    }

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        opt={"public": True},
        summary="Create an account",
        responses=error_responses(*BAD_BODY, 409, 429),
    )
    async def register(self, data: JSONBody[RegisterRequest], accounts: NamedDependency[AccountService]) -> UserPrivate:
        """Usernames are unique case-insensitively; the new account is a member, not yet activated.

        When an email is given, an activation token is mailed to it (by a background task; a
        queue outage delays the mail, it never fails the registration). 409 USERNAME_TAKEN,
        EMAIL_TAKEN or PHONE_TAKEN when one is already registered.
        """
        return UserPrivate.of(await accounts.register(data))

    @post(
        "/login",
        status_code=200,
        opt={"public": True},
        summary="Log in with username, email or phone",
        responses=error_responses(*BAD_BODY, 401, 429),
    )
    async def login(self, data: JSONBody[LoginRequest], auth: NamedDependency[AuthService]) -> TokenPair:
        """401 INVALID_CREDENTIALS, the same answer for an unknown login and a wrong password."""
        return await auth.login(data.login, data.password)

    @post(
        "/refresh",
        status_code=200,
        opt={"public": True},
        summary="Rotate a refresh token for a new token pair",
        responses=error_responses(*BAD_BODY, 401, 429),
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

    @post(
        "/activate",
        status_code=200,
        opt={"public": True},
        summary="Activate an account with the token from its activation mail",
        responses=error_responses(*BAD_BODY, 429),
    )
    async def activate(self, data: JSONBody[ActivateRequest], accounts: NamedDependency[AccountService]) -> UserPrivate:
        """Tokens are single-use and expire after 48 hours. An unknown, expired or already used
        token is 422 VALIDATION_ERROR with ``details.fields[0].field == "token"``."""
        return UserPrivate.of(await accounts.activate(data.token))

    @post(
        "/password-reset",
        status_code=HTTP_202_ACCEPTED,
        opt={"public": True},
        summary="Mail a password-reset token",
        responses=error_responses(*BAD_BODY, 429),
    )
    async def request_password_reset(
        self, data: JSONBody[PasswordResetRequest], accounts: NamedDependency[AccountService]
    ) -> PasswordResetAccepted:
        """Always 202 with the same body, whether or not an account has this email (no account
        enumeration). If one has, a background task mails it a token valid for one hour."""
        await accounts.request_password_reset(str(data.email))
        return PasswordResetAccepted()

    @post(
        "/password-reset/confirm",
        status_code=HTTP_204_NO_CONTENT,
        opt={"public": True},
        summary="Set a new password with a password-reset token",
        responses=error_responses(*BAD_BODY, 429),
    )
    async def confirm_password_reset(
        self, data: JSONBody[PasswordResetConfirm], accounts: NamedDependency[AccountService]
    ) -> None:
        """Every session of the account is revoked, and the account is activated (the mail proved
        its address). An unknown, expired or already used token is 422 VALIDATION_ERROR on the
        ``token`` field; a password that breaks the policy is 422 on ``new_password``."""
        await accounts.confirm_password_reset(data.token, data.new_password)


class UserController(Controller):
    path = "/users"
    tags = ["users"]
    security = BEARER
    dependencies = {
        "users": Provide(provide_user_service),
        "accounts": Provide(provide_account_service),
        "principal": Provide(provide_principal),
        "page_params": Provide(provide_page_params, sync_to_thread=False),
    }

    @get(
        "/",
        guards=[requires_admin],
        summary="List accounts (admin only)",
        responses=error_responses(400, 401, 403, 422, 429),
    )
    async def list_users(
        self,
        users: NamedDependency[UserService],
        page_params: NamedDependency[PageParams],
        q: Annotated[
            str | None,
            Parameter(
                min_length=1,
                max_length=32,
                pattern=USERNAME_PREFIX_PATTERN,
                description="only usernames starting with this (case-insensitive)",
            ),
        ] = None,
    ) -> Page[UserPrivate]:
        """Private views, oldest account first (ties by id). 403 FORBIDDEN for non-admins."""
        found, total = await users.list_page(page_params, q)
        return Page[UserPrivate](
            data=[UserPrivate.of(user) for user in found],
            page=page_params.page,
            page_size=page_params.page_size,
            total=total,
        )

    @get("/me", summary="My account (private view)", responses=error_responses(401, 429))
    async def me(self, users: NamedDependency[UserService], principal: NamedDependency[Principal]) -> UserPrivate:
        return UserPrivate.of(await users.get(principal.id))

    @patch(
        "/me",
        summary="Update my profile",
        responses=error_responses(*BAD_BODY, 401, 403, 409, 429),
    )
    async def update_me(
        self,
        data: JSONBody[UserUpdate],
        accounts: NamedDependency[AccountService],
        principal: NamedDependency[Principal],
    ) -> UserPrivate:
        """Only the fields sent change; ``null`` clears one (``display_name``, ``email``, ``phone``,
        ``date_of_birth``). The username cannot be changed: sending it is 422. 409 EMAIL_TAKEN /
        PHONE_TAKEN when another account has it. 403 for an inactive account when
        REQUIRE_ACTIVATION is on. Changing the email makes reset tokens mailed to the old address
        unusable."""
        return UserPrivate.of(await accounts.update_profile(principal.id, data.changes()))

    @put(
        "/me/password",
        status_code=HTTP_204_NO_CONTENT,
        summary="Change my password",
        responses=error_responses(*BAD_BODY, 401, 403, 429),
    )
    async def change_password(
        self,
        data: JSONBody[PasswordChange],
        accounts: NamedDependency[AccountService],
        principal: NamedDependency[Principal],
    ) -> None:
        """Every other session of the account is revoked; this one stays signed in. A wrong
        ``current_password`` is 403 FORBIDDEN with ``details.field == "current_password"`` (not a
        401: the access token is fine). The new password follows the registration policy and
        must differ from the current one (422 on ``new_password``)."""
        await accounts.change_password(principal.id, principal.session_id, data.current_password, data.new_password)

    @get("/{user_id:str}", summary="A user's public profile", responses=error_responses(400, 401, 404, 429))
    async def public_profile(
        self, user_id: FromPath[str], users: NamedDependency[UserService], principal: NamedDependency[Principal]
    ) -> UserPublic:
        """No email or phone; ``stats`` come from the ratings module. ``me`` is the caller.
        404 USER_NOT_FOUND (also for a malformed id)."""
        return UserPublic.of(await users.get(resolve_user_id(principal, user_id)))

    @put(
        "/{user_id:str}/roles",
        guards=[requires_admin],
        summary="Set a user's roles (admin only)",
        responses=error_responses(*BAD_BODY, 401, 403, 404, 429),
    )
    async def set_roles(
        self,
        user_id: FromPath[str],
        data: JSONBody[RolesUpdate],
        accounts: NamedDependency[AccountService],
        principal: NamedDependency[Principal],
    ) -> UserPrivate:
        """Roles are ``member`` (always kept) and ``admin``; an unknown role is 422. The change
        applies to the user's very next request. 404 USER_NOT_FOUND, 403 for non-admins."""
        return UserPrivate.of(await accounts.set_roles(resolve_user_id(principal, user_id), list(data.roles)))
