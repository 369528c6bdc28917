"""Accounts: registration, lookup, profile reads."""

from __future__ import annotations

from datetime import UTC, datetime

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from app.kernel.settings import Settings
from modules.identity.documents import CASE_INSENSITIVE, User
from modules.identity.errors import EmailTaken, PhoneTaken, UsernameTaken, UserNotFound
from modules.identity.passwords import hash_password
from modules.identity.schemas import RegisterRequest
from modules.identity.services._auth_state import object_id

_DUPLICATE_ERRORS = {
    "users_username_ci_unique": UsernameTaken,
    "users_email_ci_unique": EmailTaken,
    "users_phone_unique": PhoneTaken,
}


def raise_duplicate(exc: DuplicateKeyError) -> None:
    """Turn a unique-index violation into the contract's 409 for the field that clashed."""
    details = exc.details or {}
    message = str(details.get("errmsg", "")) or str(exc)
    key_pattern = details.get("keyPattern") or {}
    for index_name, error in _DUPLICATE_ERRORS.items():
        field = index_name.split("_")[1]
        if index_name in message or field in key_pattern:
            raise error() from exc
    raise exc


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

    async def get(self, user_id: str) -> User:
        oid = object_id(user_id)
        user = await User.get(oid) if oid is not None else None
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

    async def set_roles(self, user_id: str, roles: list[str]) -> User:
        """Replace a user's roles (``member`` is always kept)."""
        user = await self.get(user_id)
        wanted = sorted({"member", *roles}, key=lambda role: (role != "member", role))
        await User.get_pymongo_collection().update_one(
            {"_id": user.id}, {"$set": {"roles": wanted, "updated_at": datetime.now(UTC)}}
        )
        user.roles = wanted
        return user

    async def exists(self, user_id: str) -> bool:
        oid = object_id(user_id)
        return oid is not None and await User.find_one({"_id": PydanticObjectId(oid)}) is not None
