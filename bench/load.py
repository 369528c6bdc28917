"""Driving an HTTP load generator in a separate process: ``wrk`` when installed, else
``python -m bench.loadgen``. Both read the same request spec and report the same summary.

A spec is one method and a list of items ``[path, body or None, token index or None]`` that the
connections take in turn (each request the next item), so a case can walk distinct ids (cold
reads), distinct movies (rating writes) or distinct credentials (logins).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.stack import CORES, ROOT

WRK_MARKER = "BENCH_JSON "


@dataclass
class Spec:
    method: str
    items: Sequence[tuple[str, str | None, int | None]]
    tokens: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "items": [list(item) for item in self.items],
            "tokens": self.tokens,
            "headers": self.headers,
        }


def load_tool(preference: str) -> str:
    """``wrk`` or ``python`` (the fallback), honouring ``--load-tool``."""
    if preference == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if preference == "wrk":
        raise RuntimeError("--load-tool wrk: wrk is not installed (apt-get install wrk)")
    return "python"


def wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    result = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"wrk (\S+)", result.stdout + result.stderr)
    return match.group(1) if match else None


def _lua_string(value: str) -> str:
    return json.dumps(value)  # JSON string escapes are valid Lua escapes for our ASCII payloads


def wrk_script(spec: Spec, threads: int) -> str:
    items = ",\n".join(
        "{"
        + ", ".join(
            [
                _lua_string(path),
                _lua_string(body) if body is not None else "false",
                str(token + 1) if token is not None else "false",
            ]
        )
        + "}"
        for path, body, token in spec.items
    )
    tokens = ",\n".join(_lua_string(token) for token in spec.tokens)
    headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in spec.headers.items())
    return f"""
local method = {_lua_string(spec.method)}
local items = {{
{items}
}}
local tokens = {{
{tokens}
}}
local static_headers = {{ {headers} }}
local nthreads = {threads}
local counter = 0
local thread_ids = 0

function setup(thread)
  thread:set("tid", thread_ids)
  thread_ids = thread_ids + 1
end

function init(args)
  counter = tid
end

function request()
  local item = items[(counter % #items) + 1]
  counter = counter + nthreads
  local headers = {{}}
  for k, v in pairs(static_headers) do headers[k] = v end
  if item[3] then headers["Authorization"] = "Bearer " .. tokens[item[3]] end
  local body = nil
  if item[2] then body = item[2] end
  return wrk.format(method, item[1], headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{WRK_MARKER}{{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def _ms(microseconds: int, requests: int) -> float | None:
    return round(microseconds / 1000, 2) if requests > 0 else None


def run_wrk(spec: Spec, url: str, concurrency: int, duration: float, timeout: float) -> dict[str, Any]:
    threads = max(1, min(CORES, concurrency))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-", delete=False) as handle:
        handle.write(wrk_script(spec, threads))
        script = handle.name
    try:
        result = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{concurrency}",
                f"-d{max(1, round(duration))}s",
                f"--timeout={max(1, round(timeout))}s",
                "-s",
                script,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=duration + timeout + 60,
            check=False,
        )
    finally:
        Path(script).unlink(missing_ok=True)
    lines = [line for line in result.stdout.splitlines() if line.startswith(WRK_MARKER)]
    if not lines:
        raise RuntimeError(f"wrk gave no summary (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    raw = json.loads(lines[-1][len(WRK_MARKER) :])
    seconds = raw["duration_us"] / 1e6
    kinds = {k: raw[k] for k in ("connect", "read", "write", "status", "timeout") if raw[k]}
    # wrk counts a non-2xx/3xx response as a completed request AND a status error
    completed = raw["requests"]
    errors = sum(kinds.values())
    ok = max(0, completed - raw["status"])
    return {
        "requests": completed + raw["timeout"] + raw["connect"] + raw["read"] + raw["write"],
        "seconds": round(seconds, 3),
        "rps": round(ok / seconds, 2) if seconds > 0 else 0.0,
        "p50_ms": _ms(raw["p50_us"], completed),
        "p90_ms": _ms(raw["p90_us"], completed),
        "p99_ms": _ms(raw["p99_us"], completed),
        "max_ms": _ms(raw["max_us"], completed),
        "errors": errors,
        "error_kinds": kinds,
    }


def run_python_loadgen(spec: Spec, url: str, concurrency: int, duration: float, timeout: float) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="bench-spec-", delete=False) as handle:
        json.dump(spec.as_json(), handle)
        spec_path = handle.name
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.loadgen",
                "--spec",
                spec_path,
                "--url",
                url,
                "--concurrency",
                str(concurrency),
                "--duration",
                str(duration),
                "--timeout",
                str(timeout),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=duration + timeout + 120,
            check=False,
        )
    finally:
        Path(spec_path).unlink(missing_ok=True)
    if result.returncode != 0:
        raise RuntimeError(f"bench.loadgen failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def run_load(tool: str, spec: Spec, url: str, concurrency: int, duration: float, timeout: float) -> dict[str, Any]:
    runner = run_wrk if tool == "wrk" else run_python_loadgen
    return {"tool": tool, **runner(spec, url, concurrency, duration, timeout)}
