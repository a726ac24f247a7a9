"""Read queries on accounts shared by the API and the admin."""

from django.db.models import QuerySet

from accounts.models import User


def user_email_taken(*, email: str, exclude: User | None = None) -> bool:
    """Whether another account, deleted ones included, already uses this email (any case)."""
    queryset: QuerySet[User] = User.all_objects.filter(email__iexact=email)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset.exists()


def user_username_taken(*, username: str, exclude: User | None = None) -> bool:
    """Whether another account, deleted ones included, already uses this username (any case)."""
    queryset: QuerySet[User] = User.all_objects.filter(username__iexact=username)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset.exists()
