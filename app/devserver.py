"""`just dev`: one supervisor for the whole development stack.

Starts (or reuses) the embedded MongoDB-wire server and Redis, applies migrations, seeds an
empty database, then runs the API, a Celery worker and beat as children with prefixed logs.
Ctrl-C / SIGTERM stops the children first (they drain), then the servers (clean shutdown, data
kept under $MARQUEE_DATA_DIR).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO

from app.kernel.embedded import ensure_stack
from app.kernel.settings import get_settings

CHILD_GRACE_SECONDS = 20.0
API_GRACE_SECONDS = 15


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def _pump(name: str, stream: IO[bytes], lock: threading.Lock) -> None:
    prefix = f"{name:>6} | ".encode()
    for line in iter(stream.readline, b""):
        with lock:
            sys.stdout.buffer.write(prefix + line)
            sys.stdout.buffer.flush()


def _spawn(name: str, argv: list[str], env: dict[str, str], lock: threading.Lock) -> Child:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    assert process.stdout is not None
    threading.Thread(target=_pump, args=(name, process.stdout, lock), daemon=True).start()
    return Child(name, process)


def api_command(host: str, port: int) -> list[str]:
    """The API process of the development stack: uvicorn on the app factory.

    On SIGTERM it stops accepting connections and lets requests in flight finish for up to
    ``API_GRACE_SECONDS``. ``--no-proxy-headers``: the client address stays the TCP peer and the
    app alone decides whether to believe ``X-Forwarded-For`` (only from ``TRUSTED_PROXIES``);
    uvicorn would otherwise rewrite it for any client connecting from 127.0.0.1.
    """
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "app.factory:create_app",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--timeout-graceful-shutdown",
        str(API_GRACE_SECONDS),
        "--no-access-log",
        "--no-proxy-headers",
    ]


def _run_step(argv: list[str], env: dict[str, str]) -> None:
    subprocess.run(argv, env=env, check=True)  # noqa: S603


def _has_seed_command() -> bool:
    from app.cli import cli

    return "seed" in cli.commands


def run_dev_stack(*, with_worker: bool = True, with_seed: bool = True) -> int:
    settings = get_settings()
    stack = ensure_stack(settings.mongodb_url, settings.redis_url, settings.data_dir)
    env = {**os.environ, "MONGODB_URL": stack.mongodb_url, "REDIS_URL": stack.redis_url, "PYTHONUNBUFFERED": "1"}
    python = sys.executable
    children: list[Child] = []
    stopping = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    lock = threading.Lock()
    try:
        _run_step([python, "-m", "app.cli", "migrate"], env)
        if with_seed and _has_seed_command():
            _run_step([python, "-m", "app.cli", "seed", "--if-empty"], env)
        children.append(_spawn("api", api_command(settings.api_host, settings.api_port), env, lock))
        if with_worker:
            children.append(_spawn("worker", [python, "-m", "workers", "worker", "--concurrency", "2"], env, lock))
            children.append(_spawn("beat", [python, "-m", "workers", "beat"], env, lock))
        while not stopping.is_set():
            for child in children:
                if child.process.poll() is not None:
                    stopping.set()
                    break
            stopping.wait(0.5)
        return 0 if all(c.process.poll() in (None, 0) for c in children) else 1
    except subprocess.CalledProcessError:
        return 1
    finally:
        for child in children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + CHILD_GRACE_SECONDS
        for child in children:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        stack.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
