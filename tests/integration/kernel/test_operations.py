"""/healthz, /readyz (with a dependency really down and back), /metrics, /schema."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from app.kernel import runtime
from app.kernel.embedded import free_port, start_mongo, start_redis
from tests.support import ROOT, Servers


async def test_healthz(api: httpx.AsyncClient) -> None:
    response = await api.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"]


async def test_readyz_ok(api: httpx.AsyncClient) -> None:
    response = await api.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"mongodb": "ok", "redis": "ok"}}


async def test_readyz_names_each_failing_dependency_and_recovers(
    api: httpx.AsyncClient, servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real servers stopped and restarted on the same port: 503 naming the check, then 200."""
    mongo_port, redis_port = free_port(), free_port()
    mongo = start_mongo(servers.data_dir / "readyz-mongo", port=mongo_port)
    redis = start_redis(servers.data_dir / "readyz-redis", port=redis_port, persist=False)
    current = runtime.current()
    probe_runtime = runtime.Runtime(
        settings=current.settings,
        stack=current.stack,
        mongo=runtime.make_mongo_client(mongo.url),
        redis=runtime.make_redis_client(redis.url),
    )
    monkeypatch.setattr(runtime, "_current", probe_runtime)
    try:
        assert (await api.get("/readyz")).status_code == 200
        redis.stop()
        down = await api.get("/readyz")
        assert down.status_code == 503
        assert down.json()["checks"]["redis"] != "ok" and down.json()["checks"]["mongodb"] == "ok"
        mongo.stop()
        both = (await api.get("/readyz")).json()["checks"]
        assert both["mongodb"] != "ok" and both["redis"] != "ok"
        mongo = start_mongo(servers.data_dir / "readyz-mongo", port=mongo_port)
        redis = start_redis(servers.data_dir / "readyz-redis", port=redis_port, persist=False)
        assert (await api.get("/readyz")).status_code == 200
    finally:
        monkeypatch.undo()
        await probe_runtime.redis.aclose()
        await probe_runtime.mongo.close()
        redis.stop()
        mongo.stop()


async def test_metrics_exposes_request_counts(api: httpx.AsyncClient) -> None:
    await api.get("/healthz")
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'marquee_http_requests_total{method="GET",route="/healthz",status="200"}' in response.text
    assert "marquee_http_request_duration_seconds_bucket" in response.text
    assert "marquee_worker_tasks_total" in response.text


async def test_schema_served_and_committed_document_is_current(api: httpx.AsyncClient) -> None:
    response = await api.get("/schema/openapi.json")
    assert response.status_code == 200
    served = response.json()
    for path in ("/healthz", "/readyz", "/metrics"):
        assert path in served["paths"]
    committed = json.loads(Path(ROOT / "openapi" / "openapi.json").read_text())
    assert committed == served, "openapi/openapi.json drifted from the app: run `just openapi`"
    docs = await api.get("/schema")
    assert docs.status_code == 200
