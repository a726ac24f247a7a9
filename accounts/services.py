"""State-changing operations on accounts. Views, the admin and commands all call these."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User


@transaction.atomic
def user_create(*, username: str, email: str, password: str | None = None, **fields: Any) -> User:
    """Create a user; `password=None` leaves an unusable password (OAuth-only accounts)."""
    user = User(username=username, email=email, **fields)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any]) -> User:
    """Change a user's profile; a new email address is unverified until confirmed again."""
    changed = [name for name, value in data.items() if getattr(user, name) != value]
    if not changed:
        return user
    for name in changed:
        setattr(user, name, data[name])
    if "email" in changed:
        user.email_verified = False
        user.email_verified_at = None
        changed += ["email_verified", "email_verified_at"]
    user.full_clean()
    user.save(update_fields=[*changed, "updated_at"])
    return user


@transaction.atomic
def user_soft_delete(*, user: User) -> User:
    """Hide a user everywhere and stop them signing in, keeping the row and its history."""
    if user.is_deleted:
        return user
    user.is_deleted = True
    user.deleted_at = timezone.now()
    user.is_active = False
    user.save(update_fields=["is_deleted", "deleted_at", "is_active", "updated_at"])
    return user


@transaction.atomic
def user_restore(*, user: User) -> User:
    """Undo a soft delete: the user is visible and can sign in again."""
    if not user.is_deleted:
        return user
    user.is_deleted = False
    user.deleted_at = None
    user.is_active = True
    user.save(update_fields=["is_deleted", "deleted_at", "is_active", "updated_at"])
    return user
