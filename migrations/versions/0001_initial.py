"""Initial migration: the root every module's migration chain hangs off (creates nothing)."""

from pymongo.database import Database

name = "0001_initial"
dependencies: list[str] = []


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    """Nothing to create: module migrations own their collections."""


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    """Nothing to drop."""
