"""``python -m bench`` (``just bench``): measure Marquee against its limits; see bench/README.md."""

from __future__ import annotations

from pathlib import Path

import click

from bench.harness import GROUPS, Options
from bench.run import main
from bench.stack import ROOT


def _ints(_: click.Context, __: click.Parameter, value: str) -> list[int]:
    try:
        numbers = [int(part.replace("_", "")) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise click.BadParameter("a comma-separated list of integers") from exc
    if not numbers or any(number < 1 for number in numbers):
        raise click.BadParameter("positive integers")
    return numbers


def _groups(_: click.Context, __: click.Parameter, value: str) -> set[str]:
    chosen = {part.strip() for part in value.split(",") if part.strip()}
    unknown = chosen - set(GROUPS)
    if unknown:
        raise click.BadParameter(f"unknown: {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}")
    return chosen


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--sizes", default="1000,100000", show_default=True, callback=_ints, help="Catalog sizes (movies).")
@click.option(
    "--duration", type=click.FloatRange(min=1), default=20.0, show_default=True, help="Seconds per load case."
)
@click.option("--concurrency", default="16,64", show_default=True, callback=_ints, help="Concurrent connections.")
@click.option("--only", default=",".join(GROUPS), show_default=True, callback=_groups, help="Groups of cases to run.")
@click.option("--server", type=click.Choice(["granian", "uvicorn"]), default="granian", show_default=True)
@click.option("--compare-uvicorn", is_flag=True, help="Also run the server-bound cases under uvicorn (first size).")
@click.option("--load-tool", type=click.Choice(["auto", "wrk", "python"]), default="auto", show_default=True,
              help="wrk when installed, else python -m bench.loadgen.")  # fmt: skip
@click.option("--request-timeout", type=click.FloatRange(min=1), default=90.0, show_default=True,
              help="Seconds before the load generator gives up on one request.")  # fmt: skip
@click.option("--db-timeout-ms", type=click.IntRange(min=0), default=60_000, show_default=True,
              help="timeoutMS on the API's MONGODB_URL (0: none): abandoned work stops in the database.")  # fmt: skip
@click.option("--freshness-rate", type=click.FloatRange(min=1), default=100.0, show_default=True, help="Writes/s.")
@click.option("--freshness-duration", type=click.FloatRange(min=1), default=None, help="Seconds [default: --duration].")
@click.option("--freshness-sample", type=click.IntRange(min=1), default=5, show_default=True,
              help="Watch every Nth write until its aggregate is visible.")  # fmt: skip
@click.option("--tokens", type=click.IntRange(min=1), default=16, show_default=True, help="Users logged in for load.")
@click.option("--settle-timeout", type=click.FloatRange(min=0), default=120.0, show_default=True,
              help="Longest wait for the servers to go idle after a case.")  # fmt: skip
@click.option("--keep-data", is_flag=True, help="Keep each size's data directory (printed).")
@click.option("--seed", type=int, default=2026, show_default=True, help="The generator's seed.")
@click.option("--include", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="An earlier result file whose other sizes are reported (and judged) with this run's.")  # fmt: skip
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=ROOT / "bench" / "results",
              show_default=True)  # fmt: skip
def cli(
    sizes: list[int],
    duration: float,
    concurrency: list[int],
    only: set[str],
    server: str,
    compare_uvicorn: bool,
    load_tool: str,
    request_timeout: float,
    db_timeout_ms: int,
    freshness_rate: float,
    freshness_duration: float | None,
    freshness_sample: int,
    tokens: int,
    settle_timeout: float,
    keep_data: bool,
    seed: int,
    include: Path | None,
    output: Path,
) -> None:
    """Benchmark Marquee: generated catalogs at each size on fresh embedded servers, HTTP load from
    a separate process against the production server settings, the bare-Litestar and raw-PyMongo
    reference points, round trips per request, query plans, exports and aggregate freshness.
    Writes bench/results/<UTC timestamp>.json and prints the tables and goals.

    Quick run: python -m bench --sizes 1000 --duration 5 --concurrency 16
    """
    main(
        Options(
            sizes=sizes,
            duration=duration,
            concurrency=concurrency,
            server=server,
            compare_uvicorn=compare_uvicorn,
            tool=load_tool,
            groups=only,
            request_timeout=request_timeout,
            db_timeout_ms=db_timeout_ms,
            freshness_rate=freshness_rate,
            freshness_duration=freshness_duration or duration,
            freshness_sample=freshness_sample,
            tokens=tokens,
            settle_timeout=settle_timeout,
            keep_data=keep_data,
            output=output,
            seed=seed,
            include=include,
        )
    )


if __name__ == "__main__":
    cli()
