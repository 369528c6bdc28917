"""A live Marquee stack for end-to-end and fault tests: dedicated servers, a uvicorn process.

Nothing is shared with the session's servers or runtime: the stack owns a MongoDB-wire server
(on disk, so a restart on the same port and directory keeps the data), a Redis (persistent or
not), an API process serving ``app.factory:create_app`` over real TCP, and worker processes on
demand. Tests stop and restart the servers on the same ports to prove the app's behaviour when
a dependency really goes away and comes back.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from redis import Redis

from app.devserver import api_command as devserver_api_command
from app.kernel.embedded import EmbeddedServer, free_port, start_mongo, start_redis
from tests.support import ROOT, WorkerProcess

START_SECONDS = 90.0
# generous: a request must be answered at all (never hang), but no latency is asserted
CLIENT_TIMEOUT = httpx.Timeout(20.0)


SERVERS = ("uvicorn", "granian")


def api_command(server: str, port: int) -> list[str]:
    if server == "uvicorn":
        return devserver_api_command("127.0.0.1", port)
    # the command of the Dockerfile, docker-compose.yml and deploy/systemd/marquee-api.service
    return [
        str(Path(sys.executable).parent / "granian"),
        "--interface",
        "asgi",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--workers-kill-timeout",
        "25",
        "--no-access-log",
        "app.factory:create_app",
    ]


@dataclass
class ApiProcess:
    process: subprocess.Popen[bytes]
    log_path: Path
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


@dataclass
class LiveStack:
    """Dedicated servers on fixed ports plus the processes of the app that use them."""

    root: Path
    redis_persist: bool = False
    mongo_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    database: str = field(default_factory=lambda: f"marquee_live_{secrets.token_hex(4)}")
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    mongo: EmbeddedServer | None = None
    redis: EmbeddedServer | None = None
    processes: list[ApiProcess | WorkerProcess] = field(default_factory=list)

    # -- servers -------------------------------------------------------------------------
    @property
    def mongo_dir(self) -> Path:
        return self.root / "mongodb"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"

    @property
    def mongodb_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def start_mongo(self) -> None:
        self.mongo = start_mongo(self.mongo_dir, port=self.mongo_port)

    def stop_mongo(self) -> None:
        if self.mongo is not None:
            self.mongo.stop()

    def start_redis(self, *, wipe: bool = False) -> None:
        """Start Redis on the stack's port; ``wipe`` drops whatever it had persisted."""
        if wipe:
            shutil.rmtree(self.redis_dir, ignore_errors=True)
        self.redis = start_redis(self.redis_dir, port=self.redis_port, persist=self.redis_persist)

    def stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.stop()

    def redis_client(self) -> Redis:
        return Redis.from_url(self.redis_url, decode_responses=True, socket_timeout=5)

    # -- app processes ---------------------------------------------------------------------
    def env(self, **overrides: str) -> dict[str, str]:
        return {
            **os.environ,
            "APP_ENV": "test",
            "MONGODB_URL": self.mongodb_url,
            "MONGODB_DB": self.database,
            "REDIS_URL": self.redis_url,
            "MARQUEE_DATA_DIR": str(self.root / "data"),
            "JWT_SECRET": self.jwt_secret,
            "MAIL_BACKEND": "file",
            "RATE_LIMIT_PER_MINUTE": "1000000",
            "AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "console",
            "PYTHONUNBUFFERED": "1",
            **overrides,
        }

    def migrate(self) -> None:
        from migrations import runner

        runner.upgrade(self.mongodb_url, self.database)

    def start_api(self, *, server: str = "uvicorn", **env: str) -> ApiProcess:
        """The API over TCP, launched as ``just dev`` runs it (uvicorn) or as the production
        images and units do (granian)."""
        port = free_port()
        log_path = self.root / f"api-{server}-{port}.log"
        with log_path.open("wb") as out:
            process = subprocess.Popen(
                api_command(server, port),
                cwd=ROOT,
                env=self.env(**env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        api = ApiProcess(process, log_path, port)
        self.processes.append(api)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the API exited early:\n{api.log()[-4000:]}")
            try:
                if httpx.get(f"{api.base_url}/healthz", timeout=2).status_code == 200:
                    return api
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        api.stop(signal.SIGKILL)
        raise RuntimeError(f"the API did not answer within {START_SECONDS}s:\n{api.log()[-4000:]}")

    def start_worker(self, *extra: str, name: str = "live", **env: str) -> WorkerProcess:
        """A real Celery worker (prefork, one child) against the stack's servers."""
        log_path = self.root / f"{name}-{time.monotonic_ns()}.log"
        with log_path.open("wb") as out:
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
                env=self.env(**env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = WorkerProcess(process, log_path)
        self.processes.append(worker)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the worker exited early:\n{worker.log()[-4000:]}")
            if "ready." in worker.log():
                return worker
            time.sleep(0.2)
        worker.stop(signal.SIGKILL)
        raise RuntimeError(f"the worker did not become ready:\n{worker.log()[-4000:]}")

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
        self.stop_redis()
        self.stop_mongo()


def open_stack(root: Path, *, redis_persist: bool = False) -> LiveStack:
    """Servers started and the database migrated (no app process yet)."""
    root.mkdir(parents=True, exist_ok=True)
    stack = LiveStack(root=root, redis_persist=redis_persist)
    try:
        stack.start_mongo()
        stack.start_redis()
        stack.migrate()
    except BaseException:
        stack.close()
        raise
    return stack


def wait_until_ready(client: httpx.Client, deadline_seconds: float = 60.0) -> httpx.Response:
    """Poll /readyz until it answers 200 (the app recovers by itself; no latency is asserted)."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        response = client.get("/readyz")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


_ADMIN_SCRIPT = """
import asyncio
import sys

from app.composition import installed_modules
from app.kernel import runtime
from app.kernel.settings import get_settings
from modules.identity import ensure_admin


async def main() -> None:
    await runtime.open_runtime(get_settings(), installed_modules())
    try:
        await ensure_admin(sys.argv[1], sys.argv[2])
    finally:
        await runtime.close_runtime()


asyncio.run(main())
"""


@dataclass
class LiveAccount:
    id: str
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def login(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    response = client.post("/v1/auth/login", json={"login": username, "password": password})
    assert response.status_code == 200, response.text
    return dict(response.json())


def account(client: httpx.Client, stack: LiveStack, username: str, *, admin: bool = False) -> LiveAccount:
    """A member registered through the API (an admin through identity's ``ensure_admin``)."""
    password = f"pw-{username}-2026"
    if admin:
        subprocess.run(
            [sys.executable, "-c", _ADMIN_SCRIPT, username, password],
            cwd=ROOT,
            env=stack.env(LOG_LEVEL="WARNING"),
            check=True,
            timeout=START_SECONDS,
        )
    else:
        response = client.post("/v1/auth/register", json={"username": username, "password": password})
        assert response.status_code == 201, response.text
    tokens = login(client, username, password)
    me = client.get("/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200, me.text
    return LiveAccount(me.json()["id"], username, password, tokens["access_token"], tokens["refresh_token"])


def session(client: httpx.Client, holder: LiveAccount) -> LiveAccount:
    """Another login (a new session) of the same account."""
    tokens = login(client, holder.username, holder.password)
    return LiveAccount(holder.id, holder.username, holder.password, tokens["access_token"], tokens["refresh_token"])
