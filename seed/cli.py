"""``marquee seed``: the demo catalog (or, with ``--scale N``, a synthetic one for benchmarks)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from seed.dataset import DATA_DIR, SeedDataError
from seed.loader import SeedConflict, SeedReport, seed_database


def seed_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _summary(report: SeedReport) -> str:
    kinds = list(dict.fromkeys([*report.created, *report.existing]))
    parts = [f"{kind} {report.created[kind]} new / {report.existing[kind]} existing" for kind in kinds]
    verdict = "seed loaded" if report.changed else "seed already loaded, nothing changed"
    return f"{verdict}: " + ", ".join(parts)


@click.command("seed")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing when the catalog already has movies (what `just dev` runs on start).",
)
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Instead of the demo catalog, generate a synthetic catalog of N movies with users, ratings "
    "and list entries for benchmarks (same as `python -m bench.generate --movies N`).",
)
@click.option(
    "--random-seed",
    type=int,
    default=None,
    help="With --scale: the generator's random seed (same seed, same data).",
)
@click.option(
    "--force",
    is_flag=True,
    help="With --scale: empty the database first when the catalog is not empty (DESTROYS its data).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DATA_DIR,
    show_default="seed/data",
    help="Where the seed files are.",
)
def seed_command(if_empty: bool, scale: int | None, random_seed: int | None, force: bool, data_dir: Path) -> None:
    """Load the demo catalog: countries, genres, directors, actors, movies, the admin account
    (SEED_ADMIN_USERNAME / SEED_ADMIN_PASSWORD) and two demo members with ratings and lists.

    Idempotent: what already exists (by natural key) is kept, so a second run changes nothing.
    Every file is validated before anything is written; a malformed file stops the seed with
    the file and record named, and the database is left as it was.
    """
    from app.cli import with_runtime
    from app.kernel import runtime

    if scale is not None:
        from bench.generate import DEFAULT_SEED, run_generator

        run_generator(scale, DEFAULT_SEED if random_seed is None else random_seed, force=force, if_empty=if_empty)
        return

    console = Console(stderr=True)

    async def work() -> SeedReport:
        from workers.celery_app import create_celery

        rt = runtime.current()
        # the ratings' listeners enqueue recompute tasks on the stack's broker (a worker may run them)
        create_celery(rt.settings.model_copy(update={"redis_url": rt.stack.redis_url}))
        with seed_progress(console) as progress:
            return await seed_database(data_dir, progress=progress, if_empty=if_empty)

    try:
        report = with_runtime(work)
    except (SeedDataError, SeedConflict) as exc:
        raise click.ClickException(f"nothing was written: {exc}") from exc
    if report.skipped_not_empty:
        click.echo("the catalog already has movies: seed skipped")
        return
    click.echo(_summary(report))
