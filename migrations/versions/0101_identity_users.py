"""Identity: users (case-insensitive unique username/email, unique phone) and auth sessions."""

from pymongo import ASCENDING, IndexModel
from pymongo.collation import Collation
from pymongo.database import Database

from migrations.indexes import create_indexes, drop_indexes

name = "0101_identity_users"
dependencies = ["0001_initial"]

CASE_INSENSITIVE = Collation(locale="en", strength=2)

USERS_INDEXES = [
    IndexModel([("username", ASCENDING)], name="users_username_ci_unique", unique=True, collation=CASE_INSENSITIVE),
    IndexModel(
        [("email", ASCENDING)],
        name="users_email_ci_unique",
        unique=True,
        collation=CASE_INSENSITIVE,
        partialFilterExpression={"email": {"$type": "string"}},
    ),
    IndexModel(
        [("phone", ASCENDING)],
        name="users_phone_unique",
        unique=True,
        partialFilterExpression={"phone": {"$type": "string"}},
    ),
    IndexModel([("created_at", ASCENDING), ("_id", ASCENDING)], name="users_created_at"),
]
SESSIONS_INDEXES = [
    IndexModel([("user_id", ASCENDING), ("revoked_at", ASCENDING)], name="auth_sessions_user"),
    IndexModel([("expires_at", ASCENDING)], name="auth_sessions_expiry_ttl", expireAfterSeconds=0),
]


def upgrade(db: Database) -> None:  # type: ignore[type-arg]
    create_indexes(db, "users", USERS_INDEXES)
    create_indexes(db, "auth_sessions", SESSIONS_INDEXES)


def downgrade(db: Database) -> None:  # type: ignore[type-arg]
    drop_indexes(db, "users", USERS_INDEXES)
    drop_indexes(db, "auth_sessions", SESSIONS_INDEXES)
