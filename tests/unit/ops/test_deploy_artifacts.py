"""The deployment artifacts are well-formed and agree with each other: compose files, the
Dockerfile, the systemd units, the reverse-proxy examples and the provisioning script.

Real validators run when the machine has them (`docker compose config`, `systemd-analyze verify`
and `security`, `nginx -t`, `caddy validate`, `shellcheck`); the pure-Python checks always run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.kernel.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
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
APP_SERVICES = ("migrate", "api", "worker", "beat")
PROD_SECRETS = ("JWT_SECRET", "SEED_ADMIN_PASSWORD", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")


# --- compose ------------------------------------------------------------------------------------


class ComposeLoader(yaml.SafeLoader):
    """YAML with Compose's merge tags (`!override`, `!reset`) read as plain values."""


def _tagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


ComposeLoader.add_multi_constructor("!", _tagged)


def _compose(name: str) -> dict[str, Any]:
    document = yaml.load((ROOT / name).read_text(), Loader=ComposeLoader)
    assert isinstance(document, dict)
    return document


def _command(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return command if isinstance(command, list) else shlex.split(command)


def test_compose_has_every_service_with_a_healthcheck() -> None:
    services = _compose("docker-compose.yml")["services"]
    assert {"mongodb", "redis", "minio", *APP_SERVICES} <= set(services)
    for name in ("mongodb", "redis", "minio", "api", "worker", "beat"):
        test = services[name]["healthcheck"]["test"]
        assert test and test[0] in ("CMD", "CMD-SHELL"), name
    assert services["migrate"]["healthcheck"] == {"disable": True}

    mongodb = services["mongodb"]
    assert _command(mongodb)[:2] == ["--replSet", "rs0"]
    assert "rs.initiate" in " ".join(mongodb["healthcheck"]["test"])
    assert "replicaSet=rs0" in services["api"]["environment"]["MONGODB_URL"]

    redis = _command(services["redis"])
    assert redis[redis.index("--appendonly") + 1] == "yes"
    assert "ports" not in mongodb and "ports" not in services["redis"] and "ports" not in services["minio"]


def test_compose_app_services_run_the_image_commands() -> None:
    services = _compose("docker-compose.yml")["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == {"context": ".", "target": "runtime"}, name
        environment = service["environment"]
        # URLs always set: the app never starts its embedded development servers in a container.
        assert environment["MONGODB_URL"].startswith("mongodb://mongodb:"), name
        assert environment["REDIS_URL"].startswith("redis://redis:"), name
        assert environment["MARQUEE_DATA_DIR"] == "/data"
    api = _command(services["api"])
    assert api[0] == "granian" and "--factory" in api and api[-1] == "app.factory:create_app"
    assert api[api.index("--interface") + 1] == "asgi"
    assert _command(services["worker"])[:4] == ["python", "-m", "workers", "worker"]
    assert _command(services["beat"]) == ["python", "-m", "workers", "beat"]
    assert _command(services["migrate"]) == ["marquee", "migrate"]
    assert "celery@$$HOSTNAME" in " ".join(services["worker"]["healthcheck"]["test"])
    for name in ("api", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_production_override_hardens_the_stack() -> None:
    base = _compose("docker-compose.yml")["services"]
    prod = _compose("docker-compose.prod.yml")["services"]
    assert set(prod) <= set(base)
    for name in ("mongodb", "redis", "minio", *APP_SERVICES):
        service = prod[name]
        assert service["restart"] == ("no" if name == "migrate" else "always"), name
        limits = service["deploy"]["resources"]["limits"]
        assert limits["cpus"] and limits["memory"], name
        assert "ports" not in service or name == "api", name
    for name in APP_SERVICES:
        service = prod[name]
        environment = service["environment"]
        assert environment["APP_ENV"] == "production"
        assert environment["MONGODB_URL"] and environment["REDIS_URL"]
        for secret in PROD_SECRETS:
            # required interpolation: no development default can leak into production
            assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", environment[secret]), (name, secret)
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
        assert "app-data:/data" in service["volumes"]
    assert prod["api"]["ports"] == ["127.0.0.1:${API_PORT:-8000}:8000"]
    assert prod["worker"]["stop_grace_period"] == "120s"
    for secret in ("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"):
        assert ":?" in prod["minio"]["environment"][secret]
    gateway = _compose("docker-compose.prod.yml")["networks"]["default"]["ipam"]["config"][0]["gateway"]
    assert prod["api"]["environment"]["TRUSTED_PROXIES"] == f"${{TRUSTED_PROXIES:-{gateway}}}"


def test_production_env_template_sets_every_required_secret() -> None:
    template = _env_keys(DEPLOY / "docker" / "production.env.example")
    prod = _compose("docker-compose.prod.yml")
    required = set(re.findall(r"\$\{([A-Z_]+):\?", (ROOT / "docker-compose.prod.yml").read_text()))
    assert required == {"JWT_SECRET", "SEED_ADMIN_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"}
    assert required <= set(template)
    assert prod["name"] == _compose("docker-compose.yml")["name"]


def _docker_compose_works() -> bool:
    if shutil.which("docker") is None:
        return False
    result = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    return result.returncode == 0


@pytest.mark.skipif(not _docker_compose_works(), reason="the docker compose plugin is not installed")
def test_docker_compose_config_validates() -> None:
    env = {
        **os.environ,
        "JWT_SECRET": "j" * 48,
        "SEED_ADMIN_PASSWORD": "an-admin-password",
        "MINIO_ROOT_USER": "marquee",
        "MINIO_ROOT_PASSWORD": "a-minio-password",
    }
    for files in (["docker-compose.yml"], ["docker-compose.yml", "docker-compose.prod.yml"]):
        argv = ["docker", "compose", *(arg for name in files for arg in ("-f", name)), "config", "--quiet"]
        result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr


# --- Dockerfile ---------------------------------------------------------------------------------


def _dockerfile_stages() -> dict[str, list[str]]:
    """Instructions (continuation lines joined) per stage name."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    stages: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if match:
            current = stages.setdefault(match.group(1) or f"stage{len(stages)}", [])
        if current is not None:
            current.append(re.sub(r"\s+", " ", line))
    return stages


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck() -> None:
    stages = _dockerfile_stages()
    assert list(stages)[-1] == "runtime" and "build" in stages
    build, runtime = " ".join(stages["build"]), stages["runtime"]
    assert "uv sync --frozen --no-dev --no-install-project" in build
    assert "uv sync --frozen --no-dev --no-editable" in build
    assert runtime[0].startswith("FROM python:") and "slim" in runtime[0]

    users = [line.split(None, 1)[1] for line in runtime if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    copies = [line for line in runtime if line.startswith("COPY ")]
    assert copies and all("--from=build" in line for line in copies), "the runtime takes only the virtualenv"
    assert not any("apt-get" in line or "uv " in line for line in runtime), "no build tools in the final image"
    assert not any(re.search(r"SECRET|PASSWORD|TOKEN", line) for line in runtime if line.startswith(("ENV", "ARG")))

    healthcheck = next(line for line in runtime if line.startswith("HEALTHCHECK "))
    assert "/healthz" in healthcheck
    cmd = next(line for line in runtime if line.startswith("CMD "))
    assert '"granian"' in cmd and '"--factory"' in cmd and '"app.factory:create_app"' in cmd


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    patterns = {
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")
    }
    assert {".env", ".env.*", ".venv", "var", ".git", "tests"} <= patterns
    assert "README.md" not in patterns and "uv.lock" not in patterns, "the build needs them"


# --- systemd ------------------------------------------------------------------------------------


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
    compose_api = _command(_compose("docker-compose.yml")["services"]["api"])
    assert api[-1] == compose_api[-1] == "app.factory:create_app"
    assert api[api.index("--host") + 1] == "${API_HOST}" and api[api.index("--port") + 1] == "${API_PORT}"
    defaults = _unit("marquee-api.service")["Service"]["Environment"]
    assert any("API_HOST=127.0.0.1" in line and "API_PORT=8000" in line for line in defaults)
    env = _env_keys(DEPLOY / "marquee.env.example")
    assert env["API_HOST"] == "127.0.0.1" and env["API_PORT"] == "8000"
    assert env["TRUSTED_PROXIES"] == "127.0.0.1"
    assert env["MARQUEE_DATA_DIR"] == "/var/lib/marquee"
    timer = _unit("marquee-backup.timer")
    assert _one(timer["Timer"], "Unit") == "marquee-backup.service"
    assert _one(timer["Install"], "WantedBy") == "timers.target"


def _env_keys(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


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
