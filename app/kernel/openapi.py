"""The statuses the kernel can answer on any route, written into every operation's OpenAPI.

Modules document the errors of their own rules (``error_responses(404, 409, ...)``). Some
statuses come from the kernel for every route instead, so they are added here once, after the
document is built, rather than repeated in every module:

- 500 ``INTERNAL_ERROR`` on every operation (a bug is never a traceback);
- 503 ``SERVICE_UNAVAILABLE`` on every ``/v1`` operation (MongoDB or Redis connection failures,
  authentication included);
- 429 ``RATE_LIMITED`` on every ``/v1`` operation, with ``Retry-After``;
- 401 ``UNAUTHENTICATED`` on every operation that requires the bearer token, with
  ``WWW-Authenticate``;
- 400, 413, 415 and 422 on every operation that takes a request body.

Litestar's own default error response (``{"status_code", "detail", "extra"}``, added for every
handler with parameters) is replaced by the error envelope, the only error shape the API sends.
"""

from __future__ import annotations

from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    PathItem,
    Reference,
    Schema,
)

from app.kernel.http import ERROR_DESCRIPTIONS

ENVELOPE = "ErrorEnvelope"
DETAIL = "ErrorDetail"
API_PREFIX = "/v1/"
BODY_STATUSES = (400, 413, 415, 422)
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _envelope_components(components: Components) -> None:
    """Register the envelope's schemas when no module has done so yet."""
    schemas = components.schemas if components.schemas is not None else {}
    components.schemas = schemas
    if DETAIL not in schemas:
        schemas[DETAIL] = Schema(
            type=OpenAPIType.OBJECT,
            required=["code", "message", "details"],
            properties={
                "code": Schema(type=OpenAPIType.STRING),
                "message": Schema(type=OpenAPIType.STRING),
                "details": Schema(type=OpenAPIType.OBJECT, additional_properties=Schema()),
            },
            title=DETAIL,
        )
    if ENVELOPE not in schemas:
        schemas[ENVELOPE] = Schema(
            type=OpenAPIType.OBJECT,
            required=["error"],
            properties={"error": Reference(ref=f"#/components/schemas/{DETAIL}")},
            title=ENVELOPE,
        )


def _error_headers(status: int) -> dict[str, OpenAPIHeader | Reference] | None:
    if status == 429:
        return {
            "Retry-After": OpenAPIHeader(
                schema=Schema(type=OpenAPIType.INTEGER), description="Seconds until the limit resets"
            )
        }
    if status == 401:
        return {"WWW-Authenticate": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description="Bearer")}
    return None


def _error_response(status: int) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=ERROR_DESCRIPTIONS.get(status, "Error"),
        content={"application/json": OpenAPIMediaType(schema=Reference(ref=f"#/components/schemas/{ENVELOPE}"))},
        headers=_error_headers(status),
    )


def _is_framework_default(response: OpenAPIResponse | Reference) -> bool:
    """Litestar's generated error schema (``detail``/``status_code``), alone or in a ``oneOf``."""
    if not isinstance(response, OpenAPIResponse) or not response.content:
        return False
    for media in response.content.values():
        schema = media.schema
        candidates = schema.one_of if isinstance(schema, Schema) and schema.one_of else [schema]
        for candidate in candidates:
            if isinstance(candidate, Schema) and candidate.properties and "detail" in candidate.properties:
                return True
    return False


def _statuses_for(path: str, operation: Operation) -> list[int]:
    statuses = [500]
    if path.startswith(API_PREFIX):
        statuses += [503, 429]
    if operation.security:
        statuses.append(401)
    if operation.request_body is not None:
        statuses += list(BODY_STATUSES)
    return statuses


def _operations(item: PathItem) -> list[Operation]:
    return [operation for method in _METHODS if (operation := getattr(item, method, None)) is not None]


def complete_error_responses(document: OpenAPI) -> OpenAPI:
    """Add the kernel's statuses to every operation and put every error in the envelope."""
    if not isinstance(document.components, Components):
        document.components = Components()
    _envelope_components(document.components)
    for path, item in (document.paths or {}).items():
        for operation in _operations(item):
            responses = operation.responses if operation.responses is not None else {}
            operation.responses = responses
            for code, existing in list(responses.items()):
                if int(code) >= 400 and _is_framework_default(existing):
                    responses[code] = _error_response(int(code))
            for status in _statuses_for(path, operation):
                responses.setdefault(str(status), _error_response(status))
            for status in (401, 429):
                documented = responses.get(str(status))
                if isinstance(documented, OpenAPIResponse) and not documented.headers:
                    documented.headers = _error_headers(status)
            operation.responses = dict(sorted(responses.items()))
    return document
