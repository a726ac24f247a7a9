"""Read queries on accounts shared by the API and the admin."""

import hmac
from typing import Any

from django.db.models import QuerySet

from accounts import tokens
from accounts.models import ApiKey, PasswordResetToken, User, UserSession, UserSettings


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


def session_key_for_request(request) -> str | None:
    """The Django session key behind the request: the headless token or the cookie session."""
    token = request.headers.get("X-Session-Token")
    if token:
        return token
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None) if session is not None else None


def session_key_hash_for_request(request) -> str | None:
    """SHA-256 hex of the request's session key: the stable id of a tracked session.

    The auditing app stores this same value on its per-request rows.
    """
    key = session_key_for_request(request)
    return tokens.digest(key) if key else None


def user_session_for_request(request) -> UserSession | None:
    """The tracked session (UserSession) the request belongs to, if any."""
    key_hash = session_key_hash_for_request(request)
    if key_hash is None:
        return None
    cached = getattr(request, "_cadence_user_session", None)
    if cached is not None and cached.session_key_hash == key_hash:
        return cached
    return UserSession.objects.filter(session_key_hash=key_hash).first()


def user_session_tracked(*, key_hash: str) -> bool:
    """Whether a session with this key hash is tracked at all, live or not."""
    return UserSession.objects.filter(session_key_hash=key_hash).exists()


def user_sessions_of(*, user: User) -> QuerySet[UserSession]:
    """The user's sessions that are still signed in, most recently used first."""
    return UserSession.objects.live().filter(user=user).order_by("-last_activity")


def login_method_of(request) -> str:
    """How the current session was authenticated, from allauth's records: mfa, the OAuth
    provider, or password."""
    records: list[Any] = []
    session = getattr(request, "session", None)
    if session is not None:
        records = session.get("account_authentication_methods") or []
    methods = [record.get("method") for record in records if isinstance(record, dict)]
    if "mfa" in methods:
        return "mfa"
    for record in records:
        if isinstance(record, dict) and record.get("method") == "socialaccount":
            return str(record.get("provider") or "oauth")
    if methods:
        return str(methods[0])
    return "password"


def password_reset_token_find(
    *, secret: str, for_update: bool = False
) -> PasswordResetToken | None:
    """The token matching a secret if it can still be used, else None."""
    queryset = PasswordResetToken.objects.select_related("user")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    token = queryset.filter(token_hash=tokens.digest(secret)).first()
    if token is None or not hmac.compare_digest(token.token_hash, tokens.digest(secret)):
        return None
    if not token.is_usable() or not token.user.is_active or token.user.is_deleted:
        return None
    return token


def api_keys_usable_of(*, user: User) -> QuerySet[ApiKey]:
    """The user's API keys that still work (not revoked, not expired), by name."""
    return ApiKey.objects.usable().filter(user=user).order_by("key_name", "created_at")
