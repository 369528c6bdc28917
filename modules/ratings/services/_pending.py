"""The "recompute needed" tokens a rating write leaves on the rating itself.

A PUT stores its rating with a fresh ObjectId in ``pending_movie`` and ``pending_user``: the
change and its durable mark are one single-document write. A recompute reads the tokens of its
subjects *before* it reads the ratings, and once it has written the result it clears exactly
those tokens (``_id`` and token must still match), so a rating written again meanwhile keeps
its new token and is computed again; a token already cleared tells that another recompute of
the subject overlapped (see ``AggregateService._recompute``). Tokens left behind (a lost drain, a killed worker) are
found by the sweep through a partial index; the ObjectId's time says how old they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bson import ObjectId

from app.kernel.documents import chunks
from modules.ratings.documents import Rating
from modules.ratings.services._marks import MOVIE, Kind

FIELDS: dict[Kind, tuple[str, str, str]] = {
    # kind -> (subject field, token field, partial index)
    "movie": ("movie_id", "pending_movie", "ratings_pending_movie"),
    "user": ("user_id", "pending_user", "ratings_pending_user"),
}

Token = tuple[ObjectId, ObjectId]  # (rating _id, token)


def new_token_fields() -> dict[str, ObjectId]:
    """The fields a rating write sets: one fresh token for both recomputes."""
    token = ObjectId()
    return {FIELDS[MOVIE][1]: token, FIELDS["user"][1]: token}


class PendingRatings:
    async def tokens(self, kind: Kind, subject_ids: Sequence[str]) -> dict[str, list[Token]]:
        """The pending tokens of the subjects' ratings, per subject (absent: none pending).

        Looked up by subject (the subject's ratings index), not through the partial index of
        pending tokens: the embedded server walks a hinted index whole, so every drain read every
        pending token in the collection (7 ms per movie with 3 000 pending against 0.5 ms)."""
        subject, field, _ = FIELDS[kind]
        collection = Rating.get_pymongo_collection()
        found: dict[str, list[Token]] = {}
        for chunk in chunks(subject_ids):
            cursor = collection.find({subject: {"$in": list(chunk)}, field: {"$exists": True}}, {subject: 1, field: 1})
            async for doc in cursor:
                found.setdefault(str(doc[subject]), []).append((doc["_id"], doc[field]))
        return found

    async def clear(self, kind: Kind, tokens: Sequence[Token]) -> int:
        """Clear the tokens that are still the ones read; returns how many were. A token that was
        not is gone already (settled by another recompute) or was replaced.

        One multi-document update per ``IN_CHUNK`` tokens: the ratings read whose token is one of
        those read. That is exactly "still the token read" per rating, because every write draws
        a fresh token, so no two ratings ever hold the same one. The embedded server pays its
        per-statement work once per chunk instead of once per rating."""
        collection = Rating.get_pymongo_collection()
        field = FIELDS[kind][1]
        cleared = 0
        for chunk in chunks(tokens):
            result = await collection.update_many(
                {"_id": {"$in": [rating_id for rating_id, _ in chunk]}, field: {"$in": [token for _, token in chunk]}},
                {"$unset": {field: ""}},
            )
            cleared += result.modified_count
        return cleared

    async def subjects(self, kind: Kind, marked_before: datetime | None, limit: int) -> list[str]:
        """Distinct subjects with a pending token (older than ``marked_before`` when given; the
        token's time has one-second precision, so a token up to a second younger may come too)."""
        subject, field, index = FIELDS[kind]
        condition: dict[str, object] = {"$exists": True}
        if marked_before is not None:
            condition["$lt"] = ObjectId.from_datetime(marked_before + timedelta(seconds=1))
        cursor = (
            Rating.get_pymongo_collection()
            .find({field: condition}, {subject: 1, "_id": 0})
            .hint(index)
            .batch_size(1000)
        )
        found: dict[str, None] = {}
        async for doc in cursor:
            found[str(doc[subject])] = None
            if len(found) >= limit:
                break
        return list(found)
