"""Identity request and response models."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from app.kernel.errors import ValidationFailed
from modules.identity.documents import User
from modules.identity.principal import ROLES

USERNAME_PATTERN = r"^[A-Za-z][A-Za-z0-9]{2,31}$"
USERNAME_PREFIX_PATTERN = r"^[A-Za-z0-9]{1,32}$"
PHONE_PATTERN = r"^\+[1-9][0-9]{6,14}$"
PASSWORD_MIN, PASSWORD_MAX = 8, 128


def _password_policy(value: str) -> str:
    if not re.search(r"[A-Za-z]", value) or not re.search(r"[0-9]", value):
        raise ValueError("must contain at least one letter and one digit")
    return value


def _not_in_future(value: date) -> date:
    if value > datetime.now(UTC).date():
        raise ValueError("must not be in the future")
    if value.year < 1900:
        raise ValueError("must be on or after 1900-01-01")
    return value


Username = Annotated[str, StringConstraints(pattern=USERNAME_PATTERN, min_length=3, max_length=32)]
Password = Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX), AfterValidator(_password_policy)]
Phone = Annotated[str, StringConstraints(pattern=PHONE_PATTERN)]
Email = Annotated[EmailStr, Field(max_length=254)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
BirthDate = Annotated[date, AfterValidator(_not_in_future)]
OpaqueToken = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterRequest(StrictModel):
    username: Username
    password: Password
    email: Email | None = None
    phone: Phone | None = None
    display_name: DisplayName | None = None
    date_of_birth: BirthDate | None = None

    @model_validator(mode="after")
    def _password_is_not_username(self) -> RegisterRequest:
        if self.password.casefold() == self.username.casefold():
            raise ValueError("password must not be the username")
        return self


def ensure_not_username(password: str, username: str, field: str = "new_password") -> None:
    """The password policy's last rule, for requests that do not carry the username."""
    if password.casefold() == username.casefold():
        raise ValidationFailed.field(field, "must not be the username")


class LoginRequest(StrictModel):
    login: Annotated[str, StringConstraints(min_length=1, max_length=254)] = Field(
        description="username, email or phone (E.164)"
    )
    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX)]


class RefreshRequest(StrictModel):
    refresh_token: OpaqueToken


class ActivateRequest(StrictModel):
    token: OpaqueToken = Field(description="the activation token from the activation mail")


class PasswordResetRequest(StrictModel):
    email: Email


class PasswordResetAccepted(BaseModel):
    message: str = "If an account has this email address, a password-reset token has been mailed to it."


class PasswordResetConfirm(StrictModel):
    token: OpaqueToken = Field(description="the token from the password-reset mail")
    new_password: Password


class PasswordChange(StrictModel):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX)]
    new_password: Password


class UserUpdate(StrictModel):
    """Fields that are sent are changed; ``null`` clears one. The username cannot be changed."""

    display_name: DisplayName | None = None
    email: Email | None = None
    phone: Phone | None = None
    date_of_birth: BirthDate | None = None

    def changes(self) -> dict[str, object]:
        values = self.model_dump(include=self.model_fields_set)
        if values.get("email") is not None:
            values["email"] = str(values["email"])
        return values


Role = Literal["member", "admin"]


class RolesUpdate(StrictModel):
    roles: Annotated[list[Role], Field(min_length=1, max_length=len(ROLES) * 4)] = Field(
        description="the user's roles; `member` is always kept"
    )


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="seconds until the access token expires")
    expires_at: datetime = Field(description="when the access token expires (UTC)")


class UserStatsRead(BaseModel):
    ratings_count: int
    average_score: float | None


class UserPrivate(BaseModel):
    """The account as its owner (or an admin) sees it. Never a password hash."""

    id: str
    username: str
    email: str | None
    phone: str | None
    display_name: str | None
    date_of_birth: date | None
    roles: list[str]
    permissions: list[str]
    is_active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserPrivate:
        return cls(
            id=str(user.id),
            username=user.username,
            email=user.email,
            phone=user.phone,
            display_name=user.display_name,
            date_of_birth=user.date_of_birth,
            roles=list(user.roles),
            permissions=list(user.permissions),
            is_active=user.is_active,
            created_at=user.created_at,
        )


class UserPublic(BaseModel):
    """What any authenticated user sees of an account: no email, no phone."""

    id: str
    username: str
    display_name: str | None
    roles: list[str]
    created_at: datetime
    stats: UserStatsRead

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(
            id=str(user.id),
            username=user.username,
            display_name=user.display_name,
            roles=list(user.roles),
            created_at=user.created_at,
            stats=UserStatsRead(ratings_count=user.stats.ratings_count, average_score=user.stats.average_score),
        )
