"""The app factory: the composition root that mounts every module on the kernel."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from click import Group
from litestar import Litestar, Router
from litestar.config.app import AppConfig
from litestar.config.cors import CORSConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import CLIPluginProtocol, InitPluginProtocol

from app.composition import installed_modules
from app.kernel import runtime
from app.kernel.errors import EXCEPTION_HANDLERS
from app.kernel.http import enforce_content_type
from app.kernel.logging import configure_logging
from app.kernel.modules import ModuleSpec
from app.kernel.observability import RequestContextMiddleware
from app.kernel.openapi import complete_error_responses
from app.kernel.ops import MULTIPROCESS_ENV, OperationsController
from app.kernel.ratelimit import RateLimiter, RateLimitMiddleware, parse_networks
from app.kernel.security import SecurityHeadersMiddleware
from app.kernel.settings import Settings, get_settings
from app.kernel.version import VERSION

MAX_JSON_BODY_BYTES = 1024 * 1024


class ModuleCLIPlugin(CLIPluginProtocol, InitPluginProtocol):
    """Registers every module's click commands on the ``litestar`` CLI."""

    def __init__(self, modules: Sequence[ModuleSpec]) -> None:
        self._modules = modules

    def on_cli_init(self, cli: Group) -> None:
        for module in self._modules:
            for command in module.cli_commands:
                cli.add_command(command)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        return app_config


def _openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Marquee API",
        version=VERSION,
        description="Movie catalog, accounts, personal lists, ratings and CSV exports.",
        path="/schema",
        render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(
                    type="http", scheme="bearer", bearer_format="JWT", description="Access token from /v1/auth/login"
                )
            }
        ),
        use_handler_docstrings=True,
    )


def _cors_config(settings: Settings) -> CORSConfig | None:
    """CORS only for the configured allow-list; nothing is allowed cross-origin by default."""
    if not settings.cors_allow_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_allow_origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Request-ID"],
        expose_headers=[
            "ETag",
            "Location",
            "X-Request-ID",
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset",
            "Retry-After",
        ],
        allow_credentials=False,
        max_age=600,
    )


def create_app(settings: Settings | None = None, modules: Sequence[ModuleSpec] | None = None) -> Litestar:
    settings = settings or get_settings()
    modules = list(modules) if modules is not None else installed_modules()
    configure_logging(settings.log_level, settings.effective_log_format)
    if directory := os.environ.get(MULTIPROCESS_ENV):
        # several server workers share their metrics through files here (see ops.metrics_registry)
        os.makedirs(directory, exist_ok=True)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        rt = await runtime.open_runtime(settings, modules)
        from workers.celery_app import create_celery

        settings_for_workers = settings.model_copy(update={"redis_url": rt.stack.redis_url})
        create_celery(settings_for_workers)
        try:
            yield
        finally:
            await runtime.close_runtime()

    v1 = Router(
        path="/v1",
        route_handlers=[handler for module in modules for handler in module.route_handlers],
        middleware=[middleware for module in modules for middleware in module.middleware],
        guards=[guard for module in modules for guard in module.guards],
    )
    app = Litestar(
        route_handlers=[OperationsController, v1],
        lifespan=[lifespan],
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=enforce_content_type,
        openapi_config=_openapi_config(),
        plugins=[ModuleCLIPlugin(modules)],
        request_max_body_size=MAX_JSON_BODY_BYTES,
        cors_config=_cors_config(settings),
        debug=False,
        logging_config=None,
    )
    # statuses the kernel answers on every route (500, 503, 429, 401, body errors), in the envelope
    complete_error_responses(app.openapi_schema)
    from modules.identity.subjects import rate_limit_subject

    limited = RateLimitMiddleware(
        app.asgi_handler,
        limiter=RateLimiter(lambda: runtime.current().redis),
        limit_per_minute=settings.rate_limit_per_minute,
        auth_limit_per_minute=settings.auth_rate_limit_per_minute,
        trusted_proxies=parse_networks(settings.trusted_proxies),
        subject=rate_limit_subject(settings),
    )
    # Outermost layers, so unmatched routes (404/405), 429s and every error response get a
    # request id, security headers, an access-log line and metrics too.
    app.asgi_handler = RequestContextMiddleware(SecurityHeadersMiddleware(limited))
    return app
