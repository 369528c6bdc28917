"""The processes a benchmark run owns: the embedded servers, the API server, Celery workers.

Everything runs under one temporary data directory per catalog size and is stopped by the
owner (``Stack.stop``); the servers are real child processes on free local ports, talked to over
TCP exactly as in production.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from app.kernel.embedded import EmbeddedServer, free_port, start_mongo, start_redis

ROOT = Path(__file__).resolve().parent.parent
CORES = os.cpu_count() or 1
UNLIMITED = "1000000000"


def _venv_bin(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def with_param(url: str, name: str, value: str) -> str:
    """``url`` with one more query parameter (MongoDB connection options)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{name}={value}"


@dataclass
class Process:
    """A child process started by the bench, stopped with SIGTERM (SIGKILL after a grace)."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def stop(self, grace: float = 20.0) -> None:
        if not self.alive():
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait()

    def tree(self) -> list[psutil.Process]:
        try:
            parent = psutil.Process(self.pid)
            return [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []


def spawn(name: str, args: list[str], env: Mapping[str, str], log_dir: Path) -> Process:
    log_path = log_dir / f"{name}-{time.monotonic_ns()}.log"
    with log_path.open("wb") as out:
        popen = subprocess.Popen(
            args, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Process(name, popen, log_path)


def wait_http(url: str, process: Process, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited early:\n{process.log_tail()}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{process.name} did not answer {url} within {timeout:.0f} s:\n{process.log_tail()}")


@dataclass
class Stack:
    """One catalog size: its own data dir, SecantusDB and redis-server, and the processes on them."""

    data_dir: Path
    database: str
    mongo: EmbeddedServer
    redis: EmbeddedServer
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    processes: list[Process] = field(default_factory=list)

    @classmethod
    def start(cls, label: str) -> Stack:
        data_dir = Path(tempfile.mkdtemp(prefix=f"marquee-bench-{label}-"))
        mongo = start_mongo(data_dir / "mongodb")
        try:
            redis = start_redis(data_dir / "redis", persist=False)
        except BaseException:
            mongo.stop()
            raise
        return cls(data_dir=data_dir, database=f"bench_{label}", mongo=mongo, redis=redis)

    @property
    def mongodb_url(self) -> str:
        return self.mongo.url

    @property
    def redis_url(self) -> str:
        return self.redis.url

    def env(self, **extra: str) -> dict[str, str]:
        """The production-shaped environment of every Marquee process of this stack."""
        env = {
            **os.environ,
            "APP_ENV": "production",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "MONGODB_URL": self.mongodb_url,
            "MONGODB_DB": self.database,
            "REDIS_URL": self.redis_url,
            "MARQUEE_DATA_DIR": str(self.data_dir / "app"),
            "JWT_SECRET": self.jwt_secret,
            "SEED_ADMIN_PASSWORD": self.admin_password,
            "MAIL_BACKEND": "file",
            # the bench is one client hammering the API: the limits would answer 429
            "RATE_LIMIT_PER_MINUTE": UNLIMITED,
            "AUTH_RATE_LIMIT_PER_MINUTE": UNLIMITED,
            # tokens must outlive a full run (the maximum the settings allow)
            "ACCESS_TOKEN_TTL_SECONDS": "86400",
            "PYTHONUNBUFFERED": "1",
        }
        env.update(extra)
        return env

    def run_python(
        self, *args: str, timeout: float | None = None, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env(**extra_env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start_api(self, server: str, *, app: str = "app.factory:create_app", db_timeout_ms: int = 0) -> ApiServer:
        port = free_port()
        extra: dict[str, str] = {}
        if db_timeout_ms > 0:
            # a client-side operation timeout (PyMongo CSOT, sent to the server as maxTimeMS): work
            # for a request the client gave up on does not pile up in the database
            extra["MONGODB_URL"] = with_param(self.mongodb_url, "timeoutMS", str(db_timeout_ms))
        if server == "granian":
            args = [
                _venv_bin("granian"),
                "--interface",
                "asgi",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(CORES),
                "--no-access-log",
                "--workers-kill-timeout",
                "5",
                app,
            ]
        elif server == "uvicorn":
            args = [
                _venv_bin("uvicorn"),
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(CORES),
                "--no-access-log",
                "--log-level",
                "warning",
                app,
            ]
        else:
            raise ValueError(f"unknown server {server!r}")
        process = spawn(f"api-{server}", args, self.env(**extra), self.data_dir)
        self.processes.append(process)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{base_url}/healthz", process)
        except BaseException:
            process.stop()
            raise
        return ApiServer(server=server, app=app, base_url=base_url, process=process)

    def start_worker(self, name: str, concurrency: int) -> Process:
        args = [
            sys.executable,
            "-m",
            "workers",
            "worker",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{name}-{time.monotonic_ns()}@%h",
        ]
        process = spawn(name, args, self.env(), self.data_dir)
        self.processes.append(process)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if not process.alive():
                raise RuntimeError(f"worker exited early:\n{process.log_tail()}")
            if "ready." in process.log_tail(1_000_000):
                return process
            time.sleep(0.2)
        process.stop()
        raise RuntimeError(f"worker did not become ready:\n{process.log_tail()}")

    def server_processes(self) -> list[psutil.Process]:
        found: list[psutil.Process] = []
        for pid in (self.mongo.process.pid, self.redis.process.pid):
            try:
                found.append(psutil.Process(pid))
            except psutil.NoSuchProcess:
                pass
        return found

    def stop(self, keep: bool = False) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.processes.clear()
        self.redis.stop()
        self.mongo.stop()
        if not keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)


@dataclass
class ApiServer:
    server: str
    app: str
    base_url: str
    process: Process

    def stop(self) -> None:
        self.process.stop()


def watched(stack: Stack, api: ApiServer) -> list[psutil.Process]:
    """The processes that must go idle after a case against ``api``: the servers and the API's tree."""
    return stack.server_processes() + api.process.tree()


def settle(processes: Iterable[psutil.Process], *, threshold: float = 15.0, timeout: float = 120.0) -> float:
    """Wait until the given processes are idle (summed CPU below ``threshold`` percent of one
    core on two samples in a row); returns the seconds waited (``timeout`` when never idle)."""
    watched = list(processes)
    started = time.monotonic()
    quiet = 0
    while time.monotonic() - started < timeout:
        for proc in watched:
            try:
                proc.cpu_percent(None)
            except psutil.Error:
                pass
        time.sleep(0.5)
        total = 0.0
        for proc in watched:
            try:
                total += proc.cpu_percent(None)
            except psutil.Error:
                pass
        quiet = quiet + 1 if total < threshold else 0
        if quiet >= 2:
            break
    return time.monotonic() - started


def proc_status_kib(pid: int, field_name: str) -> int | None:
    """A ``VmHWM``/``VmRSS`` line of /proc/<pid>/status in KiB (None when unreadable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None
