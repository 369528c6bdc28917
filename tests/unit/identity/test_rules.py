"""Pure rules of identity: request models, the password policy, token hashing."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from pydantic import ValidationError

from app.kernel.errors import ValidationFailed
from modules.identity.schemas import PasswordChange, PasswordResetConfirm, RolesUpdate, UserUpdate, ensure_not_username
from modules.identity.services import hash_token


def test_user_update_changes_only_what_was_sent() -> None:
    assert UserUpdate.model_validate({}).changes() == {}
    assert UserUpdate.model_validate({"email": None}).changes() == {"email": None}
    update = UserUpdate.model_validate(
        {"display_name": " Neo ", "email": "Neo@Example.com", "date_of_birth": "1964-09-02"}
    )
    assert update.changes() == {"display_name": "Neo", "email": "Neo@example.com", "date_of_birth": date(1964, 9, 2)}


@pytest.mark.parametrize("field", ["username", "roles", "permissions", "is_active", "password_hash", "stats"])
def test_user_update_refuses_fields_that_are_not_the_profile(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        UserUpdate.model_validate({field: "x"})
    assert info.value.errors()[0]["loc"] == (field,)


def test_roles_update_accepts_known_roles_only() -> None:
    assert RolesUpdate.model_validate({"roles": ["admin", "member"]}).roles == ["admin", "member"]
    for roles in (["owner"], [], "admin", [None]):
        with pytest.raises(ValidationError):
            RolesUpdate.model_validate({"roles": roles})


@pytest.mark.parametrize("password", ["short1", "abcdefgh", "12345678", "a" * 128 + "1", {"$ne": None}])
def test_new_passwords_follow_the_policy(password: object) -> None:
    with pytest.raises(ValidationError):
        PasswordResetConfirm.model_validate({"token": "t", "new_password": password})
    with pytest.raises(ValidationError):
        PasswordChange.model_validate({"current_password": "old", "new_password": password})


def test_password_must_not_be_the_username() -> None:
    ensure_not_username("neo12345", "neo1234")
    with pytest.raises(ValidationFailed) as info:
        ensure_not_username("NEO1999", "neo1999")
    assert info.value.details == {"fields": [{"field": "new_password", "message": "must not be the username"}]}


def test_tokens_are_stored_as_sha256() -> None:
    assert hash_token("abc") == hashlib.sha256(b"abc").hexdigest()
    assert hash_token("abc") != hash_token("abd")
