"""The indexes the Beanie documents declare are exactly the ones identity's migrations create."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from pymongo import IndexModel

from modules.identity.documents import AuthSession, OneTimeToken, OutboundMail, User

users_migration = importlib.import_module("migrations.versions.0101_identity_users")
tokens_migration = importlib.import_module("migrations.versions.0102_identity_tokens_and_mail")
rated_users_migration = importlib.import_module("migrations.versions.0103_identity_rated_users")
stale_stats_migration = importlib.import_module("migrations.versions.0104_identity_stale_user_stats")


def _documents(indexes: list[IndexModel]) -> list[dict[str, Any]]:
    return [dict(index.document) for index in indexes]


@pytest.mark.parametrize(
    ("document", "migrated"),
    [
        (
            User,
            users_migration.USERS_INDEXES + rated_users_migration.USERS_INDEXES + stale_stats_migration.USERS_INDEXES,
        ),
        (AuthSession, users_migration.SESSIONS_INDEXES),
        (OneTimeToken, tokens_migration.ONE_TIME_TOKENS_INDEXES),
        (OutboundMail, tokens_migration.MAIL_OUTBOX_INDEXES),
    ],
)
def test_document_indexes_match_migrations(document: Any, migrated: list[IndexModel]) -> None:
    assert _documents(document.Settings.indexes) == _documents(migrated)


def test_migration_chain() -> None:
    assert tokens_migration.name == "0102_identity_tokens_and_mail"
    assert tokens_migration.dependencies == [users_migration.name]
    assert rated_users_migration.name == "0103_identity_rated_users"
    assert rated_users_migration.dependencies == [tokens_migration.name]
    assert stale_stats_migration.name == "0104_identity_stale_user_stats"
    assert stale_stats_migration.dependencies == [rated_users_migration.name]
    assert OneTimeToken.Settings.name == "one_time_tokens"
    assert OutboundMail.Settings.name == "mail_outbox"
