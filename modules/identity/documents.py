"""Identity documents: users, login sessions (refresh-token families), one-time tokens, mail outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from beanie import Document
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel
from pymongo.collation import Collation

CASE_INSENSITIVE = Collation(locale="en", strength=2)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UserStats(BaseModel):
    """Public rating statistics, kept up to date by the ratings module (0 until then)."""

    ratings_count: int = 0
    average_score: float | None = None


# stored statistics that say "no ratings" (a count of 0 or below) yet are not zero: a negative
# count, or an average score beside a count of 0 (a corrupted document). The filter of the partial
# ``users_stats_unrated`` index, which holds only such users, for the ratings reconcile to reset
# them; "an average score" is any number (``$gte`` -infinity: a partial filter has no ``$ne``).
STALE_UNRATED_STATS_FILTER: dict[str, Any] = {
    "stats.ratings_count": {"$lte": 0},
    "$or": [{"stats.ratings_count": {"$lt": 0}}, {"stats.average_score": {"$gte": float("-inf")}}],
}


class User(Document):
    username: str
    email: str | None = None
    phone: str | None = None
    password_hash: str
    display_name: str | None = None
    date_of_birth: date | None = None
    roles: list[str] = Field(default_factory=lambda: ["member"])
    permissions: list[str] = Field(default_factory=list)
    is_active: bool = False
    stats: UserStats = Field(default_factory=UserStats)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "users"
        use_state_management = False
        indexes = [
            IndexModel(
                [("username", ASCENDING)], name="users_username_ci_unique", unique=True, collation=CASE_INSENSITIVE
            ),
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
            # only the users whose stored statistics count ratings (the ratings reconcile's walk)
            IndexModel(
                [("stats.ratings_count", ASCENDING), ("_id", ASCENDING)],
                name="users_rated",
                partialFilterExpression={"stats.ratings_count": {"$gt": 0}},
            ),
            # only the users whose statistics say "no ratings" but are not zero (the same walk)
            IndexModel(
                [("stats.ratings_count", ASCENDING), ("stats.average_score", ASCENDING), ("_id", ASCENDING)],
                name="users_stats_unrated",
                partialFilterExpression=STALE_UNRATED_STATS_FILTER,
            ),
        ]


class AuthSession(Document):
    """One login: the family of rotating refresh tokens and the access tokens issued with them."""

    user_id: str
    current_refresh_jti: str
    created_at: datetime = Field(default_factory=utcnow)
    refreshed_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    class Settings:
        name = "auth_sessions"
        use_state_management = False
        indexes = [
            IndexModel([("user_id", ASCENDING), ("revoked_at", ASCENDING)], name="auth_sessions_user"),
            IndexModel([("expires_at", ASCENDING)], name="auth_sessions_expiry_ttl", expireAfterSeconds=0),
        ]


TokenPurpose = Literal["activation", "password_reset"]


class OneTimeToken(Document):
    """A single-use activation or password-reset token, stored only as its SHA-256 hash."""

    purpose: TokenPurpose
    user_id: str
    token_hash: str
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None

    class Settings:
        name = "one_time_tokens"
        use_state_management = False
        indexes = [
            IndexModel([("token_hash", ASCENDING)], name="one_time_tokens_hash_unique", unique=True),
            IndexModel([("user_id", ASCENDING), ("purpose", ASCENDING)], name="one_time_tokens_user_purpose"),
            IndexModel([("expires_at", ASCENDING)], name="one_time_tokens_expiry_ttl", expireAfterSeconds=0),
        ]


MailStatus = Literal["pending", "sending", "sent", "failed", "expired"]


class OutboundMail(Document):
    """A message waiting for (or done with) delivery by the ``identity.send_mail`` task.

    The text (which holds a one-time token) is dropped once the message is sent, failed or
    expired; the document itself is removed by the TTL index when the token would have expired.
    """

    to: str
    subject: str
    text: str | None
    status: MailStatus = "pending"
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    next_attempt_at: datetime
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    expires_at: datetime

    class Settings:
        name = "mail_outbox"
        use_state_management = False
        indexes = [
            IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="mail_outbox_due"),
            IndexModel([("expires_at", ASCENDING)], name="mail_outbox_expiry_ttl", expireAfterSeconds=0),
        ]
