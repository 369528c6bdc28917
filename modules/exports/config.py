"""The exports module's own settings (``EXPORT_*`` environment variables).

``EXPORT_TTL_SECONDS`` (how long a finished file stays downloadable) lives in the kernel settings;
these are the knobs only the exports module reads.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ExportSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="EXPORT_", env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # pending + running exports one user may have at a time (429 RATE_LIMITED beyond)
    max_active_per_user: int = Field(default=3, ge=1, le=100)
    # a running export whose heartbeat is older than this belongs to a dead worker
    stale_after_seconds: int = Field(default=60, ge=10, le=3600)
    # a pending export not picked up for this long is enqueued again (lost message, broker outage)
    requeue_pending_after_seconds: int = Field(default=600, ge=30, le=86400)
    # claims of one export (worker deaths, transient faults) before it is marked failed
    max_attempts: int = Field(default=5, ge=1, le=50)
    # test/diagnostic knob: seconds the worker sleeps after each row (0 in production)
    row_delay_seconds: float = Field(default=0.0, ge=0.0, le=10.0)


@lru_cache(maxsize=1)
def get_export_settings() -> ExportSettings:
    return ExportSettings()
