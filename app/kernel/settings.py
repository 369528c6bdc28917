"""Application settings: one pydantic-settings model, read once through ``get_settings()``.

Every variable of the contract's environment table lives here. The real environment beats
``.env``; production refuses weak secrets at start-up.
"""

from __future__ import annotations

import secrets
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_ADMIN_PASSWORD = "marquee-admin-2026"  # noqa: S105 - documented development value, refused in production
MIN_JWT_SECRET_BYTES = 32
KNOWN_PERMISSIONS = ("movies:read", "movies:write")


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False)

    app_env: Literal["development", "production", "test"] = "development"
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)

    mongodb_url: str | None = None
    mongodb_db: str = "marquee"
    redis_url: str | None = None
    marquee_data_dir: Path = Path("./var")

    jwt_secret: str | None = None
    jwt_issuer: str = "marquee"
    jwt_audience: str = "marquee-api"
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86400)
    refresh_token_ttl_seconds: int = Field(default=1_209_600, ge=60, le=31_536_000)

    default_user_permissions: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["movies:read", "movies:write"]
    )
    require_activation: bool = False

    seed_admin_username: str = "admin"
    seed_admin_password: str = DEV_ADMIN_PASSWORD

    rate_limit_per_minute: int = Field(default=600, ge=1)
    auth_rate_limit_per_minute: int = Field(default=20, ge=1)
    cors_allow_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    mail_backend: Literal["console", "file", "smtp"] = "console"
    mail_from: str = "Marquee <no-reply@marquee.local>"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_use_tls: bool = False

    storage_backend: Literal["filesystem", "s3"] = "filesystem"
    s3_endpoint_url: str | None = None
    s3_bucket: str = "marquee"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_region: str = "us-east-1"
    # the endpoint clients reach (presigned photo URLs); unset with a custom S3_ENDPOINT_URL: the
    # API serves the photo bytes itself instead of redirecting to an address clients may not reach
    s3_public_endpoint_url: str | None = None

    export_ttl_seconds: int = Field(default=86400, ge=60)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["console", "json"] | None = None

    @field_validator("default_user_permissions", "cors_allow_origins", "trusted_proxies", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("default_user_permissions")
    @classmethod
    def _known_permissions(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(KNOWN_PERMISSIONS))
        if unknown:
            raise ValueError(f"unknown permissions: {', '.join(unknown)}")
        return value

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        if self.app_env != "production":
            return self
        if not self.jwt_secret or len(self.jwt_secret.encode()) < MIN_JWT_SECRET_BYTES:
            raise ValueError(f"JWT_SECRET must be set to at least {MIN_JWT_SECRET_BYTES} bytes in production")
        if self.seed_admin_password == DEV_ADMIN_PASSWORD:
            raise ValueError("SEED_ADMIN_PASSWORD must not be the documented development value in production")
        return self

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def effective_log_format(self) -> str:
        return self.log_format or ("json" if self.is_production else "console")

    @property
    def data_dir(self) -> Path:
        return self.marquee_data_dir.resolve()

    @cached_property
    def jwt_key(self) -> str:
        """The HS256 key: configured, or generated once per data dir outside production."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / "jwt_secret"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(48))
            path.chmod(0o600)
        except FileExistsError:
            pass
        return path.read_text(encoding="utf-8").strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
