"""A restore brings back no credential that may have been revoked or used since the backup."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from app.cli import cli
from app.kernel.settings import get_settings
from modules.identity import deps
from modules.identity.deps import build_account_service
from modules.identity.documents import AuthSession
from modules.identity.mails import ACTIVATION_SUBJECT, PASSWORD_RESET_SUBJECT
from tests.integration.accounts import create_account, login
from tests.integration.identity.conftest import Mailbox, deliver_pending
from tests.integration.identity.test_activation import assert_bad_token


async def held(task: str, args: tuple[str, ...]) -> bool:
    """An enqueue no worker picks up (yet): the task is accepted, nothing runs it."""
    return True


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``marquee ...`` on the test database, with its own data directory (backups, storage)."""
    monkeypatch.setenv("MARQUEE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("STORAGE_BACKEND", "filesystem")
    get_settings.cache_clear()

    async def run(*args: str) -> Result:
        # in a thread: the restore's blocking driver must not stall the app serving this test
        result = await asyncio.to_thread(CliRunner().invoke, cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    try:
        yield run
    finally:
        get_settings.cache_clear()


async def test_a_restore_signs_everyone_out_and_voids_password_reset_links(
    api: httpx.AsyncClient, mailbox: Mailbox, run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    neo = await create_account(api, "neo", email="neo@example.com")
    tank = await create_account(api, "tank", email="tank@example.com")
    activation = await mailbox.token("neo@example.com", ACTIVATION_SUBJECT)
    await build_account_service().send_password_reset("neo@example.com")
    reset = await mailbox.token("neo@example.com", PASSWORD_RESET_SUBJECT)
    # tank's reset mail is still in the outbox at the backup: no worker has taken it yet
    monkeypatch.setattr(deps, "enqueue_task", held)
    await build_account_service().send_password_reset("tank@example.com")
    backup = tmp_path / "backup"
    await run_cli("backup", "--output", str(backup))

    # after the backup neo signs out: the restored database holds that session live again
    assert (await api.post("/v1/auth/logout", headers=neo.headers)).status_code == 204
    result = await run_cli("restore", str(backup), "--drop")

    assert await AuthSession.find({"revoked_at": None}).count() == 0
    for account in (neo, tank):
        assert (await api.get("/v1/users/me", headers=account.headers)).status_code == 401
        refreshed = await api.post("/v1/auth/refresh", json={"refresh_token": account.refresh_token})
        assert refreshed.status_code == 401, refreshed.text
    confirm = await api.post("/v1/auth/password-reset/confirm", json={"token": reset, "new_password": "taken-over1"})
    assert_bad_token(confirm)
    await deliver_pending()
    assert [message["Subject"] for message in mailbox.messages("tank@example.com")] == [ACTIVATION_SUBJECT]

    # everyone signs in again with the password of the backup; activation links still work
    for account in (neo, tank):
        tokens = await login(api, account.username, account.password)
        me = await api.get("/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert me.status_code == 200
    activated = await api.post("/v1/auth/activate", json={"token": activation})
    assert activated.status_code == 200, activated.text
    assert activated.json()["is_active"] is True
    assert "revoked 2 session(s) and voided 2 password-reset token(s) of the backup" in result.output
