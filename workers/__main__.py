"""Run a Celery worker or beat against the configured (or embedded) servers.

    python -m workers worker [celery worker options]
    python -m workers beat   [celery beat options]

Without REDIS_URL/MONGODB_URL it reuses the embedded servers of a running `just dev`, or starts
its own under $MARQUEE_DATA_DIR.
"""

from __future__ import annotations

import os
import sys

import click

from app.kernel.embedded import running_stack
from app.kernel.settings import get_settings


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": ["-h", "--help"]}
)
@click.argument("role", type=click.Choice(["worker", "beat"]))
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def main(role: str, celery_args: tuple[str, ...]) -> None:
    """Start a Celery ROLE (worker or beat); extra arguments go to Celery."""
    settings = get_settings()
    with running_stack(settings.mongodb_url, settings.redis_url, settings.data_dir) as stack:
        os.environ["MONGODB_URL"] = stack.mongodb_url
        os.environ["REDIS_URL"] = stack.redis_url
        get_settings.cache_clear()
        from workers.celery_app import create_celery

        celery = create_celery(get_settings())
        argv = [role, "--loglevel", settings.log_level, *celery_args]
        if role == "beat":
            argv += ["--schedule", str(settings.data_dir / "run" / "celerybeat-schedule")]
        celery.start(argv=argv)


if __name__ == "__main__":
    sys.exit(main())
