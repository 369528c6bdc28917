"""Bad seed input stops the seed before its first write, naming the file and the record."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from app.kernel import runtime
from seed.cli import seed_command
from seed.dataset import DATA_DIR, SeedDataError
from seed.loader import SeedConflict, seed_database
from tests.integration.accounts import create_account
from tests.integration.seed.state import collection_fingerprints
from tests.support import ROOT

Mutation = Callable[[Path], None]


def _edit(relative: str, change: Callable[[Any], None]) -> Mutation:
    def mutate(data_dir: Path) -> None:
        path = data_dir / relative
        content = json.loads(path.read_text(encoding="utf-8"))
        change(content)
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")

    return mutate


def _truncate(relative: str) -> Mutation:
    def mutate(data_dir: Path) -> None:
        path = data_dir / relative
        path.write_text(path.read_text(encoding="utf-8")[:-40], encoding="utf-8")

    return mutate


def _last_movie(change: Callable[[dict[str, Any]], None]) -> Callable[[Any], None]:
    return lambda movies: change(movies[-1])


def _member(username: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Any], None]:
    return lambda accounts: change(next(m for m in accounts["members"] if m["username"] == username))


def _last_file() -> str:
    return f"movies/{sorted((DATA_DIR / 'movies').glob('*.json'))[-1].name}"


def _record_of_last_movie() -> tuple[int, str]:
    movies = json.loads((DATA_DIR / _last_file()).read_text(encoding="utf-8"))
    return len(movies), movies[-1]["title"]


LAST_RECORD, LAST_TITLE = _record_of_last_movie()

CASES = [
    pytest.param(
        _edit(_last_file(), _last_movie(lambda m: m.update(director="Nobody Atall"))),
        [_last_file(), f"record {LAST_RECORD} ({LAST_TITLE!r})", "director", "Nobody Atall", "directors.json"],
        id="unknown-director-in-the-last-file",
    ),
    pytest.param(
        _edit(_last_file(), _last_movie(lambda m: m.update(runtime_minutes=0))),
        [_last_file(), f"record {LAST_RECORD}", "runtime_minutes"],
        id="runtime-out-of-range",
    ),
    pytest.param(
        _edit(_last_file(), _last_movie(lambda m: m.update(rating=9))),
        [_last_file(), f"record {LAST_RECORD}", "rating", "Extra inputs are not permitted"],
        id="unknown-key",
    ),
    pytest.param(
        _edit(_last_file(), _last_movie(lambda m: m["cast"].append({"actor": "Ghost Actor", "character": "Ghost"}))),
        [_last_file(), f"record {LAST_RECORD}", "Ghost Actor", "actors.json"],
        id="unknown-actor",
    ),
    pytest.param(
        _truncate("movies/03.json"),
        ["movies/03.json", "not valid JSON", "line"],
        id="broken-json",
    ),
    pytest.param(
        _edit("genres.json", lambda genres: genres.append({"name": "Noir", "colour": "black"})),
        ["genres.json", "record 16 ('Noir')", "colour"],
        id="genre-with-extra-key",
    ),
    pytest.param(
        _edit("countries.json", lambda countries: countries.append({"code": "US", "name": "Again"})),
        ["countries.json", "record 6", "same country code"],
        id="duplicate-country",
    ),
    pytest.param(
        _edit("accounts.json", _member("bob", lambda m: m["wishlist"].append("No Such Film"))),
        ["accounts.json", "record 2 ('bob')", "wishlist", "No Such Film"],
        id="account-names-a-missing-movie",
    ),
    pytest.param(
        _edit(
            "accounts.json", _member("alice", lambda m: m["saved_movies"].append({"movie": "Heat", "country": "JP"}))
        ),
        ["accounts.json", "record 1 ('alice')", "'Heat' is not available in JP"],
        id="saved-where-unavailable",
    ),
    pytest.param(
        _edit("accounts.json", _member("alice", lambda m: m["ratings"][0].update(score=11))),
        ["accounts.json", "record 1 ('alice')", "score"],
        id="score-out-of-range",
    ),
    pytest.param(
        _edit("accounts.json", _member("bob", lambda m: m.update(password="bob"))),
        ["accounts.json", "record 2 ('bob')", "password"],
        id="weak-member-password",
    ),
]


@pytest.fixture
def broken_copy(tmp_path: Path) -> Callable[[Mutation], Path]:
    def make(mutate: Mutation) -> Path:
        data_dir = tmp_path / "data"
        shutil.copytree(DATA_DIR, data_dir)
        mutate(data_dir)
        return data_dir

    return make


@pytest.mark.parametrize(("mutate", "expected"), CASES)
async def test_malformed_file_stops_before_any_write(
    api: httpx.AsyncClient, broken_copy: Callable[[Mutation], Path], mutate: Mutation, expected: list[str]
) -> None:
    await create_account(api, "carol")
    before = await collection_fingerprints()
    data_dir = broken_copy(mutate)
    with pytest.raises(SeedDataError) as raised:
        await seed_database(data_dir)
    message = str(raised.value)
    for fragment in expected:
        assert fragment in message, message
    assert await collection_fingerprints() == before


async def test_conflicting_admin_account_stops_before_any_write(api: httpx.AsyncClient) -> None:
    """SEED_ADMIN_USERNAME naming an existing member is refused (never promoted), nothing written."""
    await create_account(api, "carol")
    before = await collection_fingerprints()
    settings = runtime.current().settings.model_copy(update={"seed_admin_username": "carol"})
    with pytest.raises(SeedConflict, match=r"'carol'.*not an administrator"):
        await seed_database(settings=settings)
    assert await collection_fingerprints() == before


async def test_command_reports_the_file_and_exits_non_zero(
    api: httpx.AsyncClient, broken_copy: Callable[[Mutation], Path]
) -> None:
    data_dir = broken_copy(_edit(_last_file(), _last_movie(lambda m: m.update(director="Nobody Atall"))))
    before = await collection_fingerprints()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "seed",
        "--data-dir",
        str(data_dir),
        cwd=ROOT,
        env={**os.environ},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    stderr = err.decode()
    assert process.returncode == 1, out.decode() + stderr
    assert "nothing was written" in stderr
    assert f"{_last_file()}: record {LAST_RECORD} ({LAST_TITLE!r})" in stderr
    assert await collection_fingerprints() == before


def test_help_describes_the_options() -> None:
    result = CliRunner().invoke(seed_command, ["--help"])
    assert result.exit_code == 0
    for option in ("--if-empty", "--scale", "--data-dir", "--force", "--random-seed"):
        assert option in result.output
