"""Accounts: registration, lookup, profile updates, roles, the admin listing, the seeded admin."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import NoReturn

import structlog
from beanie import PydanticObjectId
from pydantic import TypeAdapter
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from app.kernel.documents import update_and_read
from app.kernel.pagination import PageParams
from app.kernel.settings import Settings
from modules.identity.documents import CASE_INSENSITIVE, User
from modules.identity.errors import EmailTaken, PhoneTaken, UsernameTaken, UserNotFound
from modules.identity.passwords import hash_password
from modules.identity.principal import ADMIN_ROLE, MEMBER_ROLE, PERMISSIONS
from modules.identity.schemas import Password, RegisterRequest, Username
from modules.identity.services._auth_state import object_id

log = structlog.get_logger("marquee.identity.users")

_DUPLICATE_ERRORS = {
    "users_username_ci_unique": UsernameTaken,
    "users_email_ci_unique": EmailTaken,
    "users_phone_unique": PhoneTaken,
}


def raise_duplicate(exc: DuplicateKeyError) -> NoReturn:
    """Turn a unique-index violation into the contract's 409 for the field that clashed."""
    details = exc.details or {}
    message = str(details.get("errmsg", "")) or str(exc)
    key_pattern = details.get("keyPattern") or {}
    for index_name, error in _DUPLICATE_ERRORS.items():
        field = index_name.split("_")[1]
        if index_name in message or field in key_pattern:
            raise error() from exc
    raise exc


def _stored(value: object) -> object:
    """BSON has no date type: a date is stored as midnight UTC, as Beanie stores it on insert."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return value


class UserService:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def register(self, request: RegisterRequest) -> User:
        """Create a member account. Uniqueness is the unique indexes' job (no read-then-write)."""
        user = User(
            username=request.username,
            email=str(request.email) if request.email else None,
            phone=request.phone,
            password_hash=await hash_password(request.password),
            display_name=request.display_name,
            date_of_birth=request.date_of_birth,
            roles=["member"],
            permissions=list(self._settings.default_user_permissions),
            is_active=False,
        )
        try:
            await user.insert()
        except DuplicateKeyError as exc:
            raise_duplicate(exc)
        return user

    async def find(self, user_id: str) -> User | None:
        oid = object_id(user_id)
        return await User.get(oid) if oid is not None else None

    async def get(self, user_id: str) -> User:
        user = await self.find(user_id)
        if user is None:
            raise UserNotFound()
        return user

    async def find_by_login(self, login: str) -> User | None:
        """Username, email (case-insensitive) or E.164 phone, each through its unique index."""
        if "@" in login:
            query = {"email": login}
        elif login.startswith("+"):
            return await User.find_one({"phone": login})
        else:
            query = {"username": login}
        collection = User.get_pymongo_collection()
        raw = await collection.find_one(query, collation=CASE_INSENSITIVE)
        return User.model_validate(raw) if raw is not None else None

    async def find_by_email(self, email: str) -> User | None:
        raw = await User.get_pymongo_collection().find_one({"email": email}, collation=CASE_INSENSITIVE)
        return User.model_validate(raw) if raw is not None else None

    async def _update(self, user_id: str, changes: dict[str, object]) -> User:
        oid = object_id(user_id)
        if oid is None:
            raise UserNotFound()
        try:
            raw = await update_and_read(
                User.get_pymongo_collection(), {"_id": oid}, {"$set": {**changes, "updated_at": datetime.now(UTC)}}
            )
        except DuplicateKeyError as exc:
            raise_duplicate(exc)
        if raw is None:
            raise UserNotFound()
        user: User = User.model_validate(raw)
        return user

    async def update_profile(self, user_id: str, changes: dict[str, object]) -> User:
        """Change profile fields (validated scalars only); email/phone clashes are 409s."""
        allowed = {"display_name", "email", "phone", "date_of_birth"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"not profile fields: {sorted(unknown)}")
        values = {key: _stored(value) for key, value in changes.items()}
        return await self._update(user_id, values)

    async def set_password(self, user_id: str, password_hash: str, *, activate: bool = False) -> User:
        changes: dict[str, object] = {"password_hash": password_hash}
        if activate:
            changes["is_active"] = True
        return await self._update(user_id, changes)

    async def activate(self, user_id: str) -> User:
        return await self._update(user_id, {"is_active": True})

    async def set_roles(self, user_id: str, roles: list[str]) -> User:
        """Replace a user's roles (``member`` is always kept)."""
        wanted = sorted({MEMBER_ROLE, *roles}, key=lambda role: (role != MEMBER_ROLE, role))
        return await self._update(user_id, {"roles": wanted})

    async def list_page(self, params: PageParams, username_prefix: str | None = None) -> tuple[list[User], int]:
        """Accounts oldest first (then by id); optionally those whose username starts with a prefix."""
        query: dict[str, object] = {}
        if username_prefix:
            query["username"] = {"$regex": f"^{re.escape(username_prefix)}", "$options": "i"}
        collection = User.get_pymongo_collection()
        cursor = (
            collection.find(query)
            .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
            .skip(params.skip)
            .limit(params.limit)
        )
        users = [User.model_validate(raw) async for raw in cursor]
        return users, await collection.count_documents(query)

    async def ensure_admin(self, username: str, password: str) -> User:
        """The seeded administrator: created active with the admin role if missing (idempotent).

        An existing account of that name that is not an administrator is never promoted: that
        would hand admin rights to whoever registered the name first.
        """
        TypeAdapter(Username).validate_python(username)
        TypeAdapter(Password).validate_python(password)
        if password.casefold() == username.casefold():
            raise ValueError("the admin password must not be the username")
        existing = await self.find_by_login(username)
        if existing is None:
            user = User(
                username=username,
                password_hash=await hash_password(password),
                roles=[MEMBER_ROLE, ADMIN_ROLE],
                permissions=list(PERMISSIONS),
                is_active=True,
            )
            try:
                await user.insert()
                log.info("admin_created", user_id=str(user.id), username=username)
                return user
            except DuplicateKeyError:
                existing = await self.find_by_login(username)
        if existing is None or ADMIN_ROLE not in existing.roles:
            raise ValueError(f"the account {username!r} exists and is not an administrator")
        return existing

    async def set_rating_stats(self, user_id: str, ratings_count: int, average_score: float | None) -> bool:
        """Store the public rating statistics; ``False`` when there is no such user."""
        if ratings_count < 0:
            raise ValueError("ratings_count must not be negative")
        if ratings_count == 0:
            average_score = None
        oid = object_id(user_id)
        if oid is None:
            return False
        result = await User.get_pymongo_collection().update_one(
            {"_id": oid},
            {"$set": {"stats.ratings_count": ratings_count, "stats.average_score": average_score}},
        )
        return result.matched_count == 1

    async def exists(self, user_id: str) -> bool:
        oid = object_id(user_id)
        return oid is not None and await User.find_one({"_id": PydanticObjectId(oid)}) is not None
