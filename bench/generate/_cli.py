"""``python -m bench.generate``: progress bars, the summary, the command."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench.generate._loading import BENCH_PASSWORD, DEFAULT_SEED, DatabaseNotEmpty, Summary, generate

DEFAULT_MOVIES = 100_000


def generation_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<13}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def summary_table(summary: Summary) -> Table:
    table = Table(title="synthetic catalog")
    table.add_column("collection")
    table.add_column("documents", justify="right")
    for collection, count in summary.written.items():
        table.add_row(collection, f"{count:,}")
    table.add_row("[bold]total", f"[bold]{summary.documents:,}")
    return table


def summary_lines(summary: Summary) -> list[str]:
    return [
        f"inserted {summary.documents:,} documents in {summary.insert_seconds:.1f} s "
        f"({summary.insert_rate:,.0f} documents/s)",
        f"indexes built in {summary.index_seconds:.1f} s; overall {summary.overall_rate:,.0f} documents/s",
        f"users bench000001..bench{summary.written.get('users', 0):06d} log in with {BENCH_PASSWORD!r}",
    ]


def run_generator(movies: int, seed: int = DEFAULT_SEED, *, force: bool = False, if_empty: bool = False) -> Summary:
    """Open the runtime (embedded servers reused or started), generate, print the summary."""
    from app.cli import with_runtime

    console = Console()

    async def work() -> Summary:
        with generation_progress(console) as progress:
            return await generate(movies, seed, force=force, if_empty=if_empty, progress=progress)

    try:
        summary = with_runtime(work)
    except DatabaseNotEmpty as exc:
        raise click.ClickException(str(exc)) from exc
    if summary.skipped:
        click.echo("the database is not empty: generation skipped")
    else:
        console.print(summary_table(summary))
        for line in summary_lines(summary):
            console.print(line)
    return summary


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--movies", type=click.IntRange(min=1), default=DEFAULT_MOVIES, show_default=True, help="How many movies."
)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Random seed (same seed, same data).")
@click.option("--force", is_flag=True, help="Empty a non-empty database first (DESTROYS its data).")
def main(movies: int, seed: int, force: bool) -> None:
    """Generate a synthetic catalog for benchmarks (raw bulk inserts; refuses a non-empty database)."""
    from app.kernel.logging import configure_logging
    from app.kernel.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, settings.effective_log_format)
    run_generator(movies, seed, force=force)
