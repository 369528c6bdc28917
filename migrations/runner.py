"""Versioned schema migrations (pymongo-migrate), recorded in the ``pymongo_migrate`` collection.

Scripts live in ``migrations/versions``: each has ``name``, ``dependencies``, ``upgrade(db)`` and
``downgrade(db)``, and is idempotent. There is one initial migration; each module's chain hangs
off it (identity 01xx, catalog 02xx, lists 03xx, ratings 04xx, exports 05xx).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from pymongo import MongoClient
from pymongo_migrate.mongo_migrate import MongoMigrate

VERSIONS_DIR = Path(__file__).resolve().parent / "versions"
MIGRATIONS_COLLECTION = "pymongo_migrate"


@dataclass(frozen=True)
class MigrationStatus:
    name: str
    applied: bool
    description: str


def _migrator(client: MongoClient[dict[str, object]], database: str) -> MongoMigrate:
    return MongoMigrate(
        client=client,
        database=database,
        migrations_dir=str(VERSIONS_DIR),
        migrations_collection=MIGRATIONS_COLLECTION,
        logger=logging.getLogger("marquee.migrations"),
    )


def _client(url: str) -> MongoClient[dict[str, object]]:
    return MongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5000)


def upgrade(url: str, database: str, target: str | None = None) -> list[str]:
    """Apply every pending migration (or up to ``target``); returns the names applied."""
    with _client(url) as client:
        migrator = _migrator(client, database)
        pending = [m.name for m in migrator.get_migrations() if not migrator.get_state(m).applied]
        migrator.upgrade(target)
        return [name for name in pending if migrator.get_state(migrator.graph.migrations[name]).applied]


def downgrade(url: str, database: str, target: str | None = None) -> list[str]:
    """Revert migrations down to (and excluding) ``target``; ``None`` reverts everything."""
    with _client(url) as client:
        migrator = _migrator(client, database)
        applied = [m.name for m in migrator.get_migrations() if migrator.get_state(m).applied]
        migrator.downgrade(target)
        return [name for name in applied if not migrator.get_state(migrator.graph.migrations[name]).applied]


def status(url: str, database: str) -> list[MigrationStatus]:
    with _client(url) as client:
        migrator = _migrator(client, database)
        return [
            MigrationStatus(
                name=m.name,
                applied=migrator.get_state(m).applied is not None,
                description=(getattr(m, "description", "") or "").strip().splitlines()[0]
                if getattr(m, "description", None)
                else "",
            )
            for m in migrator.get_migrations()
        ]
