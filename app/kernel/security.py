"""Security headers on every response."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.kernel.http import add_headers

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# The interactive docs page loads its own scripts; every other response is JSON, CSV or an image.
API_CSP = "default-src 'none'; frame-ancestors 'none'"

_DOCS_HEADERS = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
_API_HEADERS = [*_DOCS_HEADERS, (b"content-security-policy", API_CSP.encode())]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        # a header the response sets itself (the docs page's own policy, say) is kept
        headers = _DOCS_HEADERS if str(scope.get("path", "")).startswith("/schema") else _API_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_headers(message, headers, replace=False)
            await send(message)

        await self.app(scope, receive, send_with_headers)
