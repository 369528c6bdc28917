"""What a restore must not bring back: credentials the backup holds but that may since be void.

A backup holds the sessions and one-time tokens of its moment. One revoked after it (a logout, a
password reset, "sign out other sessions", a refresh-token replay, an account disabled) would be
live again after a restore, and nothing tells which: the revocation happened in the database the
restore replaced. So a restore revokes every session it brought back (every user signs in again)
and voids the unused password-reset tokens (a link used after the backup would work again), with
their undelivered mails. Activation tokens stay: activating an account twice is harmless, and no
route mails a new one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from modules.identity.documents import AuthSession, OneTimeToken, OutboundMail
from modules.identity.mails import PASSWORD_RESET_SUBJECT

RESTORED_REASON = "restored_from_backup"


def revoke_restored_credentials(db: Database[dict[str, Any]]) -> str:
    """Revoke the restored sessions and void the unused password-reset tokens and their unsent
    mails, in the restored database ``db``; returns what was done, for the operator.

    A collection the backup does not hold is left absent (the embedded server would create it
    on an update, MongoDB would not)."""
    now = datetime.now(UTC)
    present = set(db.list_collection_names())
    sessions = tokens = 0
    if AuthSession.Settings.name in present:
        sessions = (
            db[AuthSession.Settings.name]
            .update_many({"revoked_at": None}, {"$set": {"revoked_at": now, "revoked_reason": RESTORED_REASON}})
            .modified_count
        )
    if OneTimeToken.Settings.name in present:
        tokens = (
            db[OneTimeToken.Settings.name].delete_many({"purpose": "password_reset", "used_at": None}).deleted_count
        )
    if OutboundMail.Settings.name in present:
        db[OutboundMail.Settings.name].update_many(
            {"subject": PASSWORD_RESET_SUBJECT, "status": {"$in": ["pending", "sending"]}},
            {"$set": {"status": "expired", "text": None}},
        )
    return (
        f"revoked {sessions} session(s) and voided {tokens} password-reset token(s) of the backup: "
        "every user signs in again"
    )
