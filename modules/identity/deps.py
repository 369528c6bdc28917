"""Dependency providers for identity's services."""

from __future__ import annotations

from app.kernel import runtime
from modules.identity.services import AuthService, AuthState, UserService
from modules.identity.tokens import TokenCodec


def build_user_service() -> UserService:
    return UserService(runtime.current().settings)


def build_auth_service() -> AuthService:
    rt = runtime.current()
    return AuthService(UserService(rt.settings), TokenCodec.from_settings(rt.settings), AuthState(rt.redis))


async def provide_user_service() -> UserService:
    return build_user_service()


async def provide_auth_service() -> AuthService:
    return build_auth_service()
