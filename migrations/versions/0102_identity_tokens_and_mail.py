"""Identity: single-use activation/reset tokens (hashed, unique, TTL) and the mail outbox."""

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from migrations.indexes import create_indexes, drop_indexes

name = "0102_identity_tokens_and_mail"
dependencies = ["0101_identity_users"]

ONE_TIME_TOKENS_INDEXES = [
    IndexModel([("token_hash", ASCENDING)], name="one_time_tokens_hash_unique", unique=True),
    IndexModel([("user_id", ASCENDING), ("purpose", ASCENDING)], name="one_time_tokens_user_purpose"),
    IndexModel([("expires_at", ASCENDING)], name="one_time_tokens_expiry_ttl", expireAfterSeconds=0),
]
MAIL_OUTBOX_INDEXES = [
    IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="mail_outbox_due"),
    IndexModel([("expires_at", ASCENDING)], name="mail_outbox_expiry_ttl", expireAfterSeconds=0),
]


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    create_indexes(db, "one_time_tokens", ONE_TIME_TOKENS_INDEXES)
    create_indexes(db, "mail_outbox", MAIL_OUTBOX_INDEXES)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    drop_indexes(db, "one_time_tokens", ONE_TIME_TOKENS_INDEXES)
    drop_indexes(db, "mail_outbox", MAIL_OUTBOX_INDEXES)
