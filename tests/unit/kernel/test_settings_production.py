"""APP_ENV=production refuses weak secrets: a short or missing JWT_SECRET, the dev admin password."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.kernel.settings import DEV_ADMIN_PASSWORD, Settings

STRONG_SECRET = "k" * 32


def production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "app_env": "production",
        "jwt_secret": STRONG_SECRET,
        "seed_admin_password": "a-real-admin-passphrase-1",
        **overrides,
    }
    return Settings(_env_file=None, **values)


def test_production_accepts_strong_secrets() -> None:
    settings = production()
    assert settings.is_production
    assert settings.jwt_key == STRONG_SECRET
    assert settings.effective_log_format == "json"


def test_production_refuses_the_documented_dev_admin_password() -> None:
    with pytest.raises(ValidationError, match="SEED_ADMIN_PASSWORD"):
        production(seed_admin_password=DEV_ADMIN_PASSWORD)


@pytest.mark.parametrize("secret", [None, "", "k" * 31, "é" * 15])
def test_production_refuses_a_missing_or_short_jwt_secret(secret: str | None) -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        production(jwt_secret=secret)


def test_production_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "short")
    monkeypatch.setenv("SEED_ADMIN_PASSWORD", "a-real-admin-passphrase-1")
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(_env_file=None)


@pytest.mark.parametrize("env", ["development", "test"])
def test_other_environments_allow_development_defaults(env: str) -> None:
    settings = Settings(_env_file=None, app_env=env, jwt_secret=None, seed_admin_password=DEV_ADMIN_PASSWORD)
    assert settings.seed_admin_password == DEV_ADMIN_PASSWORD
    assert not settings.is_production
