"""The host artifacts are well-formed and agree with the containers: the systemd units, the
reverse-proxy examples and the provisioning scripts.

Real validators run when the machine has them (`systemd-analyze verify` and `security`,
`nginx -t`, `caddy validate`, `shellcheck`); the pure-Python checks always run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from app.kernel.settings import Settings
from tests.unit.ops.deploy_support import DEPLOY, command, compose, env_keys

UNITS = DEPLOY / "systemd"
LONG_RUNNING = {
    "marquee-api.service": ["granian", "--interface", "asgi", "--factory", "app.factory:create_app"],
    "marquee-worker.service": ["-m", "workers", "worker"],
    "marquee-beat.service": ["-m", "workers", "beat"],
}
ONE_SHOT = {
    "marquee-migrate.service": ["marquee", "migrate"],
    "marquee-backup.service": ["marquee", "backup"],
}


def _unit(name: str) -> dict[str, dict[str, list[str]]]:
    """A unit file as {section: {key: [values in order]}} (keys may repeat, as systemd allows)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in (UNITS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{name}: {line!r} outside a section"
        key, sep, value = line.partition("=")
        assert sep, f"{name}: {line!r} is not KEY=value"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _one(section: dict[str, list[str]], key: str) -> str:
    assert key in section, key
    return section[key][-1]


HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes",
    "RestrictSUIDSGID": "yes",
    "ReadWritePaths": "/var/lib/marquee",
    "CapabilityBoundingSet": "",
}


@pytest.mark.parametrize("name", sorted({**LONG_RUNNING, **ONE_SHOT}))
def test_unit_runs_as_marquee_with_environment_file_and_hardening(name: str) -> None:
    service = _unit(name)["Service"]
    assert _one(service, "User") == "marquee"
    assert _one(service, "WorkingDirectory") == "/opt/marquee"
    assert _one(service, "EnvironmentFile") == "/etc/marquee/marquee.env"
    assert _one(service, "KillSignal") == "SIGTERM"
    for key, value in HARDENING.items():
        assert _one(service, key) == value, key
    argv = shlex.split(_one(service, "ExecStart"))
    assert argv[0].startswith("/opt/marquee/.venv/bin/")
    remaining = iter([Path(argv[0]).name, *argv[1:]])
    assert all(word in remaining for word in {**LONG_RUNNING, **ONE_SHOT}[name]), argv


@pytest.mark.parametrize("name", sorted(LONG_RUNNING))
def test_long_running_units_restart_and_drain(name: str) -> None:
    unit = _unit(name)
    service = unit["Service"]
    assert _one(service, "Type") == "exec"
    assert _one(service, "Restart") == "on-failure"
    assert _one(service, "KillMode") == "mixed"
    assert int(_one(service, "TimeoutStopSec").removesuffix("s")) >= 20
    assert _one(unit["Install"], "WantedBy") == "multi-user.target"
    assert "network-online.target" in _one(unit["Unit"], "After")


def test_units_agree_with_the_container_commands_and_the_proxy() -> None:
    api = shlex.split(_one(_unit("marquee-api.service")["Service"], "ExecStart"))
    compose_api = command(compose("docker-compose.yml")["services"]["api"])
    assert api[-1] == compose_api[-1] == "app.factory:create_app"
    assert api[api.index("--host") + 1] == "${API_HOST}" and api[api.index("--port") + 1] == "${API_PORT}"
    defaults = _unit("marquee-api.service")["Service"]["Environment"]
    assert any("API_HOST=127.0.0.1" in line and "API_PORT=8000" in line for line in defaults)
    env = env_keys(DEPLOY / "marquee.env.example")
    assert env["API_HOST"] == "127.0.0.1" and env["API_PORT"] == "8000"
    assert env["TRUSTED_PROXIES"] == "127.0.0.1"
    assert env["MARQUEE_DATA_DIR"] == "/var/lib/marquee"
    timer = _unit("marquee-backup.timer")
    assert _one(timer["Timer"], "Unit") == "marquee-backup.service"
    assert _one(timer["Install"], "WantedBy") == "timers.target"


def test_env_template_names_only_known_settings() -> None:
    known = {name.upper() for name in Settings.model_fields} | {
        "GRANIAN_WORKERS",
        "WORKER_CONCURRENCY",
        "BACKUP_RETENTION_DAYS",
    }
    template = (DEPLOY / "marquee.env.example").read_text()
    names = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", template, re.MULTILINE))
    assert names and names <= known, names - known
    assert "MONGODB_URL" in names and "REDIS_URL" in names


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path) -> None:
    units = sorted(UNITS.glob("marquee-*"))
    for unit in units:
        shutil.copy(unit, tmp_path / unit.name)
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / unit.name) for unit in units)],
        capture_output=True,
        text=True,
        check=False,
    )
    # The virtualenv exists only on an installed host; anything else is a real finding.
    not_installed = re.compile(r"Command /opt/marquee/\.venv/bin/\S+ is not executable: No such file or directory")
    findings = [
        line for line in (result.stdout + result.stderr).splitlines() if line.strip() and not not_installed.search(line)
    ]
    assert findings == []


def _offline_security_supported() -> bool:
    if shutil.which("systemd-analyze") is None:
        return False
    probe = subprocess.run(["systemd-analyze", "security", "--help"], capture_output=True, text=True, check=False)
    return "--offline" in probe.stdout


@pytest.mark.skipif(not _offline_security_supported(), reason="systemd-analyze security --offline is unavailable")
@pytest.mark.parametrize("name", sorted({**LONG_RUNNING, **ONE_SHOT}))
def test_systemd_security_exposure_is_low(name: str) -> None:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(UNITS / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"Overall exposure level for \S+: ([0-9.]+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 2.0


# --- reverse proxy and provisioning -------------------------------------------------------------


def test_nginx_example_terminates_tls_and_forwards_the_client_ip() -> None:
    conf = (DEPLOY / "nginx" / "marquee.conf").read_text()
    assert "server 127.0.0.1:8000;" in conf
    assert re.search(r"listen 443 ssl", conf) and "ssl_certificate " in conf
    assert "return 301 https://" in conf
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
    assert "TRUSTED_PROXIES=127.0.0.1" in conf
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "reverse_proxy 127.0.0.1:8000" in caddy and "TRUSTED_PROXIES=127.0.0.1" in caddy


@pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None, reason="nginx or openssl is not installed"
)
def test_nginx_accepts_the_example(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=api.example.com", "-keyout", str(key), "-out", str(cert)),
        ],
        capture_output=True,
        check=True,
    )
    site = (DEPLOY / "nginx" / "marquee.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/api.example.com/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/api.example.com/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_caddy_accepts_the_example() -> None:
    result = subprocess.run(
        ["caddy", "validate", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert '"level":"warn"' not in result.stderr, result.stderr


def test_provisioning_scripts_parse_and_follow_the_runbook() -> None:
    for script in (DEPLOY / "provision.sh", DEPLOY / "marquee-cli"):
        assert os.access(script, os.X_OK), script
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
    lines = (DEPLOY / "provision.sh").read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    steps = [
        "useradd --system",
        'install -d -o root -g "$APP_USER" -m 0750 "$CONF_DIR"',
        "uv sync --frozen --no-dev",
        "marquee.env.example",
        "systemctl daemon-reload",
        "systemctl start marquee-migrate.service",
        "systemctl enable",
        "/healthz",
    ]
    positions = [text.index(step) for step in steps]
    assert positions == sorted(positions), "the steps run in the runbook's order"
    installed = {path.name for path in UNITS.iterdir()}
    assert installed == {*LONG_RUNNING, *ONE_SHOT, "marquee-backup.timer"}


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_shellcheck_accepts_the_scripts() -> None:
    result = subprocess.run(
        ["shellcheck", str(DEPLOY / "provision.sh"), str(DEPLOY / "marquee-cli")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
