"""Operations endpoints: liveness, readiness and Prometheus metrics (public, outside /v1)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from pydantic import BaseModel

from app.kernel import runtime
from app.kernel.task_metrics import read_task_counters, render_task_counters
from app.kernel.version import VERSION

READINESS_TIMEOUT_SECONDS = 2.0
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def metrics_registry() -> CollectorRegistry:
    """This process's registry, or with several server workers (``PROMETHEUS_MULTIPROC_DIR``
    set, as the container image does) the sum over every worker process, so a scrape does not
    depend on which worker answers it."""
    if not os.environ.get(MULTIPROCESS_ENV):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class Health(BaseModel):
    status: str
    version: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


async def _check(coro: Any) -> str:
    try:
        await asyncio.wait_for(coro, timeout=READINESS_TIMEOUT_SECONDS)
        return "ok"
    except TimeoutError:
        return "timeout"
    except Exception as exc:  # noqa: BLE001 - the readiness answer names the failure
        return f"error: {type(exc).__name__}"


class OperationsController(Controller):
    path = ""
    tags = ["operations"]
    include_in_schema = True

    @get("/healthz", summary="Liveness", opt={"public": True})
    async def healthz(self) -> Health:
        return Health(status="ok", version=VERSION)

    @get(
        "/readyz",
        summary="Readiness (MongoDB and Redis answer)",
        opt={"public": True},
        responses={503: ResponseSpec(data_container=Readiness, description="A dependency does not answer")},
    )
    async def readyz(self) -> Response[Readiness]:
        rt = runtime.current()
        mongodb, redis = await asyncio.gather(_check(rt.mongo.admin.command("ping")), _check(rt.redis.ping()))
        checks = {"mongodb": mongodb, "redis": redis}
        ok = all(value == "ok" for value in checks.values())
        return Response(
            Readiness(status="ok" if ok else "unavailable", checks=checks),
            status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE,
        )

    @get("/metrics", summary="Prometheus metrics", media_type=CONTENT_TYPE_LATEST, opt={"public": True})
    async def metrics(self) -> Response[bytes]:
        body = generate_latest(metrics_registry())
        counters = await read_task_counters(runtime.current().redis)
        body += render_task_counters(counters).encode()
        return Response(body, media_type=CONTENT_TYPE_LATEST)
