"""The container artifacts are well-formed and agree with each other: the compose files, their
production override and env template, the Dockerfile and .dockerignore.

`docker compose config` runs when the machine has the compose plugin; the pure-Python checks
always run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.unit.ops.deploy_support import DEPLOY, ROOT, command, compose, env_keys

APP_SERVICES = ("migrate", "api", "worker", "beat")
PROD_SECRETS = ("JWT_SECRET", "SEED_ADMIN_PASSWORD", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")


def test_compose_has_every_service_with_a_healthcheck() -> None:
    services = compose("docker-compose.yml")["services"]
    assert {"mongodb", "redis", "minio", *APP_SERVICES} <= set(services)
    for name in ("mongodb", "redis", "minio", "api", "worker", "beat"):
        test = services[name]["healthcheck"]["test"]
        assert test and test[0] in ("CMD", "CMD-SHELL"), name
    assert services["migrate"]["healthcheck"] == {"disable": True}

    mongodb = services["mongodb"]
    assert command(mongodb)[:2] == ["--replSet", "rs0"]
    assert "rs.initiate" in " ".join(mongodb["healthcheck"]["test"])
    assert "replicaSet=rs0" in services["api"]["environment"]["MONGODB_URL"]

    redis = command(services["redis"])
    assert redis[redis.index("--appendonly") + 1] == "yes"
    assert redis[redis.index("--maxmemory-policy") + 1] == "noeviction"
    assert "ports" not in mongodb and "ports" not in services["redis"] and "ports" not in services["minio"]


def test_compose_app_services_run_the_image_commands() -> None:
    services = compose("docker-compose.yml")["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == {"context": ".", "target": "runtime"}, name
        environment = service["environment"]
        # URLs always set: the app never starts its embedded development servers in a container.
        assert environment["MONGODB_URL"].startswith("mongodb://mongodb:"), name
        assert environment["REDIS_URL"].startswith("redis://redis:"), name
        assert environment["MARQUEE_DATA_DIR"] == "/data"
    api = command(services["api"])
    assert api[0] == "granian" and "--factory" in api and api[-1] == "app.factory:create_app"
    assert api[api.index("--interface") + 1] == "asgi"
    assert command(services["worker"])[:4] == ["python", "-m", "workers", "worker"]
    assert command(services["beat"]) == ["python", "-m", "workers", "beat"]
    assert command(services["migrate"]) == ["marquee", "migrate"]
    assert "celery@$$HOSTNAME" in " ".join(services["worker"]["healthcheck"]["test"])
    for name in ("api", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_production_override_hardens_the_stack() -> None:
    base = compose("docker-compose.yml")["services"]
    prod = compose("docker-compose.prod.yml")["services"]
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
    gateway = compose("docker-compose.prod.yml")["networks"]["default"]["ipam"]["config"][0]["gateway"]
    assert prod["api"]["environment"]["TRUSTED_PROXIES"] == f"${{TRUSTED_PROXIES:-{gateway}}}"


def test_production_env_template_sets_every_required_secret() -> None:
    template = env_keys(DEPLOY / "docker" / "production.env.example")
    prod = compose("docker-compose.prod.yml")
    required = set(re.findall(r"\$\{([A-Z_]+):\?", (ROOT / "docker-compose.prod.yml").read_text()))
    assert required == {"JWT_SECRET", "SEED_ADMIN_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"}
    assert required <= set(template)
    assert prod["name"] == compose("docker-compose.yml")["name"]


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
