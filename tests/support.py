"""Test helpers shared by the suites (not fixtures): worker processes, envelope assertions."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx

from app.kernel.embedded import EmbeddedServer

ROOT = Path(__file__).resolve().parent.parent


def asgi_transport(app: object, **options: Any) -> httpx.ASGITransport:
    """httpx's in-process transport for an ASGI app (Litestar's and our middleware's scope types
    are narrower than the plain ``dict`` httpx's signature names)."""
    return httpx.ASGITransport(app=cast("Any", app), **options)


@dataclass
class Servers:
    mongodb_url: str
    redis_url: str
    mongo: EmbeddedServer | None
    redis: EmbeddedServer | None
    data_dir: Path


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, sig: int = 15, timeout: float = 20) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def start_worker(servers: Servers, *extra: str, name: str = "worker") -> WorkerProcess:
    """A real Celery worker process against the test servers (prefork, one child)."""
    log_path = servers.data_dir / f"{name}-{time.monotonic_ns()}.log"
    out = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workers",
            "worker",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{name}-{time.monotonic_ns()}@%h",
            *extra,
        ],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "INFO"},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"worker exited early:\n{log_path.read_text(errors='replace')}")
        if "ready." in log_path.read_text(errors="replace"):
            return WorkerProcess(process, log_path)
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"worker did not become ready:\n{log_path.read_text(errors='replace')}")


def error_of(response: Any) -> dict[str, Any]:
    """The ``error`` object of an envelope response, asserting the envelope's shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return dict(body["error"])
