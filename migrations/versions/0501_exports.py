"""Exports: export jobs (per-owner listing, sweeper, expiry, the per-user cap of active exports)."""

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database

from migrations.indexes import create_indexes, drop_indexes

name = "0501_exports"
dependencies = ["0201_catalog_collections"]

EXPORT_JOBS_INDEXES = [
    IndexModel([("owner_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)], name="export_jobs_owner"),
    IndexModel([("status", ASCENDING), ("heartbeat_at", ASCENDING)], name="export_jobs_status_heartbeat"),
    IndexModel([("expires_at", ASCENDING)], name="export_jobs_expires_at"),
    IndexModel(
        [("owner_id", ASCENDING), ("active_slot", ASCENDING)],
        name="export_jobs_active_slot_unique",
        unique=True,
        partialFilterExpression={"active_slot": {"$gte": 0}},
    ),
]


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    create_indexes(db, "export_jobs", EXPORT_JOBS_INDEXES)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    drop_indexes(db, "export_jobs", EXPORT_JOBS_INDEXES)
