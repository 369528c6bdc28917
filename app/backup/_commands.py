"""``marquee backup`` and ``marquee restore``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import redis

from app.backup._manifest import BackupError, Manifest
from app.backup._operations import create_backup, default_output, restore_backup
from app.backup._redis import drop_cached_copies
from app.composition import installed_modules
from app.kernel import cache
from app.kernel.embedded import running_stack
from app.kernel.settings import get_settings


def _summary(manifest: Manifest) -> str:
    return (
        f"{sum(manifest.collections.values())} document(s) in {len(manifest.collections)} collection(s), "
        f"{manifest.storage.files} storage file(s)"
    )


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory to create (default: $MARQUEE_DATA_DIR/backups/marquee-<UTC time>).",
)
def backup_command(output: Path | None) -> None:
    """Back up the database and the object storage (exports, photos) into a new directory.

    Uses mongodump when it is installed and MONGODB_URL is set, else a built-in dumper that
    writes the same layout.
    """
    settings = get_settings()
    target = (output or default_output(settings)).resolve()
    with running_stack(settings.mongodb_url, settings.redis_url, settings.data_dir) as stack:
        try:
            manifest = create_backup(settings, stack.mongodb_url, target, show_progress=sys.stderr.isatty())
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {target}: {_summary(manifest)}")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--drop",
    is_flag=True,
    help="Drop every collection of the database and empty the object storage first (replace, not merge).",
)
def restore_command(directory: Path, drop: bool) -> None:
    """Restore a backup DIRECTORY into the configured database and object storage.

    Refuses a database that holds documents unless --drop; verifies the restored counts
    against the backup's manifest. Revokes every session the backup holds and voids its unused
    password-reset tokens (any of them may have been revoked or used since the backup): every
    user signs in again. Then drops Redis's cached copies of database documents (movie details,
    listing pages and totals, sessions and users), which describe the database as it was before;
    the token denylist, rate limits and queued tasks stay.
    """
    settings = get_settings()
    patterns = cached_copy_patterns()
    with running_stack(settings.mongodb_url, settings.redis_url, settings.data_dir) as stack:
        try:
            restored = restore_backup(
                settings,
                stack.mongodb_url,
                directory.resolve(),
                drop=drop,
                after_restore=[step for module in installed_modules() for step in module.after_restore],
                show_progress=sys.stderr.isatty(),
            )
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"restored {directory} into database {settings.mongodb_db!r}: {_summary(restored.manifest)}")
        for note in restored.notes:
            click.echo(note)
        try:
            dropped = drop_cached_copies(stack.redis_url, patterns)
        except redis.RedisError as exc:
            raise click.ClickException(
                f"the database is restored, but Redis's cached copies could not be dropped ({type(exc).__name__}): "
                f"delete the keys matching {', '.join(patterns)} before serving, or the API answers from them "
                "for up to 10 minutes"
            ) from exc
    click.echo(f"dropped {dropped} cached cop{'y' if dropped == 1 else 'ies'} of the previous database from Redis")


def cached_copy_patterns() -> list[str]:
    """The kernel cache's keys and every installed module's ``redis_copies``."""
    return [f"{cache.PREFIX}:*", *(pattern for module in installed_modules() for pattern in module.redis_copies)]
