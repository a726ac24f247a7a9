"""Read queries on accounts shared by the API and the admin."""

from django.db.models import QuerySet

from accounts.models import User, UserSettings


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


def user_settings_get(*, user: User) -> UserSettings:
    """The user's settings row; made on the spot for users that predate it."""
    try:
        return user.settings
    except UserSettings.DoesNotExist:
        settings, _ = UserSettings.objects.get_or_create(user=user)
        return settings
