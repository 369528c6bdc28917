"""The ``marquee`` command line: dev stack, migrations, OpenAPI export and every module's commands."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click

from app.backup import backup_command, restore_command
from app.composition import installed_modules
from app.kernel import runtime
from app.kernel.embedded import running_stack
from app.kernel.logging import configure_logging
from app.kernel.settings import get_settings
from seed.cli import seed_command

T = TypeVar("T")


def with_runtime(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with the process runtime open (embedded servers reused or started)."""
    settings = get_settings()

    async def main() -> T:
        await runtime.open_runtime(settings, installed_modules())
        try:
            return await work()
        finally:
            await runtime.close_runtime()

    return asyncio.run(main())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Marquee: movie-platform backend."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.effective_log_format)


@cli.command()
@click.option("--down", "direction", flag_value="down", help="Revert migrations instead of applying them.")
@click.option("--status", "direction", flag_value="status", help="Show which migrations are applied.")
@click.option("--target", default=None, help="Stop at this migration (up: inclusive, down: exclusive).")
def migrate(direction: str | None, target: str | None) -> None:
    """Apply pending schema migrations (indexes, validators, backfills)."""
    from migrations import runner

    settings = get_settings()
    with running_stack(settings.mongodb_url, settings.redis_url, settings.data_dir) as stack:
        if direction == "status":
            for item in runner.status(stack.mongodb_url, settings.mongodb_db):
                click.echo(f"[{'x' if item.applied else ' '}] {item.name}  {item.description}")
            return
        if direction == "down":
            names = runner.downgrade(stack.mongodb_url, settings.mongodb_db, target)
            click.echo(f"reverted {len(names)} migration(s): {', '.join(names) or '-'}")
            return
        names = runner.upgrade(stack.mongodb_url, settings.mongodb_db, target)
        click.echo(f"applied {len(names)} migration(s): {', '.join(names) or 'already up to date'}")


@cli.command()
@click.option("--output", type=click.Path(path_type=Path), default=Path("openapi/openapi.json"), show_default=True)
@click.option("--check", is_flag=True, help="Fail when the committed document differs from the app's.")
def openapi(output: Path, check: bool) -> None:
    """Write (or check) the OpenAPI document generated from the app."""
    from litestar.serialization import encode_json

    from app.factory import create_app

    schema = json.loads(encode_json(create_app().openapi_schema.to_schema()))
    document = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    if check:
        current = output.read_text() if output.exists() else ""
        if current != document:
            click.echo(f"{output} is out of date: run `just openapi`", err=True)
            sys.exit(1)
        click.echo(f"{output} is up to date")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(document)
    click.echo(f"wrote {output}")


@cli.command()
@click.option("--no-worker", is_flag=True, help="Do not start the Celery worker and beat.")
@click.option("--no-seed", is_flag=True, help="Do not load the seed data into an empty database.")
def dev(no_worker: bool, no_seed: bool) -> None:
    """Run the whole stack in the foreground: embedded servers, migrations, seed, API, worker, beat."""
    from app.devserver import run_dev_stack

    sys.exit(run_dev_stack(with_worker=not no_worker, with_seed=not no_seed))


def _register_module_commands() -> None:
    for module in installed_modules():
        for command in module.cli_commands:
            cli.add_command(command)


_register_module_commands()
cli.add_command(backup_command)
cli.add_command(restore_command)
cli.add_command(seed_command)

if __name__ == "__main__":
    cli()
