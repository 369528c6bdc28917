"""Authentication middleware and reusable guards for every module's routes.

Every /v1 route needs a valid access token unless its handler is marked ``opt={"public": True}``.
The middleware puts the ``Principal`` on ``request.user``; guards then check permissions, admin
role, and (with ``REQUIRE_ACTIVATION``) that inactive accounts only read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware
from litestar.types import ASGIApp

from app.kernel import runtime
from app.kernel.errors import Forbidden
from app.kernel.ratelimit import PREFETCH_STATE
from modules.identity.deps import build_auth_service
from modules.identity.errors import InvalidToken, PermissionDenied
from modules.identity.principal import Principal
from modules.identity.subjects import verified_claims

PUBLIC_OPT = "public"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Guards are coroutines: Litestar runs a synchronous guard in a worker thread (a thread hop per
# guard per request), while these only read the request's principal.
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def _bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 4096:
        raise InvalidToken()
    return token


class BearerAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp, **kwargs: Any) -> None:
        super().__init__(app, exclude_from_auth_key=PUBLIC_OPT, **kwargs)

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        token = _bearer_token(connection)
        state = connection.scope.get("state", {})
        principal = await build_auth_service().authenticate(
            token, verified_claims(connection.scope, token), state.get(PREFETCH_STATE)
        )
        connection.scope.setdefault("state", {})["user_id"] = principal.id
        return AuthenticationResult(user=principal, auth=principal.token_id)


authentication_middleware = DefineMiddleware(BearerAuthenticationMiddleware)


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise InvalidToken()
    return user


def requires_permission(permission: str) -> Guard:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not principal_of(connection).has_permission(permission):
            raise PermissionDenied(f"This needs the {permission} permission.")

    guard.__name__ = f"requires_permission_{permission.replace(':', '_')}"
    return guard


async def requires_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not principal_of(connection).is_admin:
        raise PermissionDenied("Only administrators can do this.")


async def inactive_accounts_read_only(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """With REQUIRE_ACTIVATION, an account that is not activated can read but never write."""
    if handler.opt.get(PUBLIC_OPT) or connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    if handler.opt.get("allow_inactive"):
        return
    if not runtime.current().settings.require_activation:
        return
    if not principal_of(connection).is_active:
        raise Forbidden("Activate your account before making changes.")


def ensure_owner_or_admin(principal: Principal, owner_id: str | None) -> None:
    """For services' callers: raise 403 unless the caller owns the resource or is an admin."""
    if not principal.owns_or_admin(owner_id):
        raise PermissionDenied()


def resolve_user_id(principal: Principal, user_id: str) -> str:
    """``me`` in a path is the caller."""
    return principal.id if user_id == "me" else user_id


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return principal_of(request)
