"""State-changing operations on accounts. Views, the admin and commands all call these."""

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from allauth.account import app_settings as allauth_account_settings
from allauth.account.models import EmailAddress
from allauth.core import ratelimit as allauth_ratelimit
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.db.models import Case, F, Q, Value, When
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

import auditing
from accounts import selectors, tokens
from accounts.models import (
    EMAIL_FORMAT_REGEX,
    ApiKey,
    PasswordResetToken,
    Role,
    User,
    UserPreference,
    UserRole,
    UserSession,
    UserSettings,
)
from core.errors import NotAllowed
from core.mail import Mail, mail_after_commit
from core.updates import update_fields, validate_fields

PASSWORD_RESET_TOKEN_LIFETIME = timedelta(hours=1)
API_KEY_USAGE_RESOLUTION = timedelta(minutes=1)


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
def user_update(*, user: User, data: Mapping[str, Any]) -> User:
    """Change a user's profile or account fields. A new email address is unverified until
    confirmed again, unless `data` sets the verification too (staff in the admin may).

    People change their own address with `user_email_change_request`; a new address set
    here (by staff, or when allauth confirms one) becomes the user's one allauth
    EmailAddress too, so sign-in, reset and verification all see the same address.
    """
    email_changed = "email" in data and data["email"] != user.email
    if email_changed:
        data = {"email_verified": False, "email_verified_at": None, **data}
    update_fields(user, data)
    if email_changed:
        _email_addresses_follow_user(user)
    return user


def _email_addresses_follow_user(user: User) -> None:
    """Make `user.email` the user's primary allauth EmailAddress and drop their others, as
    allauth's own change-email flow leaves them (ACCOUNT_CHANGE_EMAIL)."""
    email = user.email.lower()
    for other in EmailAddress.objects.filter(user=user).exclude(email=email):
        other.delete()  # one by one, so each leaves its audit row
    address = EmailAddress.objects.filter(user=user, email=email).first()
    if address is None:
        address = EmailAddress(user=user, email=email)
    address.primary = True
    # A verified row is unique per address: another account's verified row wins.
    address.verified = user.email_verified and address.can_set_verified()
    address.save()


def _email_check_format(email: str) -> None:
    """The checks the address will meet when it is saved on the user and as an allauth
    EmailAddress, short of uniqueness (which is never told)."""
    validate_fields(User(email=email), ["email"], validate_unique=False, validate_constraints=False)
    too_long = len(email) > EmailAddress._meta.get_field("email").max_length
    if too_long or not re.search(EMAIL_FORMAT_REGEX, email, flags=re.IGNORECASE):
        raise ValidationError({"email": "Enter a valid email address."})


@transaction.atomic
def user_email_follow_primary(*, user_id: Any, renewed_address_id: Any = None) -> User | None:
    """Bring the user's columns in line with allauth's addresses, which are the truth about
    them: `email` is the primary address, `email_verified`/`email_verified_at` whether it is
    confirmed. `renewed_address_id` names an address confirmed or made primary just now,
    whose time of verification is new even when the columns already show it. Returns the
    user, or None when there is no user or no primary address."""
    user = User.all_objects.filter(pk=user_id).first()
    primary = EmailAddress.objects.filter(user_id=user_id, primary=True).first()
    if user is None or primary is None:
        return None
    renewed = renewed_address_id is not None and renewed_address_id == primary.pk
    same_address = user.email.lower() == primary.email.lower()
    if not renewed and same_address and user.email_verified == primary.verified:
        return user
    data: dict[str, Any] = {
        "email_verified": primary.verified,
        "email_verified_at": timezone.now() if primary.verified else None,
    }
    if not same_address:
        data["email"] = primary.email
    return user_update(user=user, data=data)


@transaction.atomic
def user_email_change_request(*, user: User, email: str, request: HttpRequest) -> None:
    """Start changing the user's email address, through allauth's change-email flow: a link
    to confirm goes to the new address, a notice to the current one, and `user.email`
    changes only when the link is followed (allauth makes the confirmed address primary;
    accounts.signals brings the user's columns along).

    An address another account uses (deleted accounts included) gets no link and can never
    be confirmed, and nothing tells the caller: the answer is the same either way. Asking
    again for the same address sends a new link (at most one per few minutes per address,
    allauth's `confirm_email` rate); asking for another drops the pending one.
    """
    new = User.all_objects.normalize_email(email.strip()).lower()
    if new == user.email.lower():
        return
    _email_check_format(new)
    # The row, locked: two requests at once leave one pending address.
    user = User.all_objects.select_for_update().get(pk=user.pk)
    taken = (
        selectors.user_email_taken(email=new, exclude=user)
        or EmailAddress.objects.filter(email__iexact=new, verified=True).exclude(user=user).exists()
    )
    pending = None
    for address in EmailAddress.objects.select_for_update().filter(
        user=user, verified=False, primary=False
    ):
        if address.email.lower() == user.email.lower():
            continue  # the current address, as allauth's email page records it
        if address.email.lower() == new and not taken:
            pending = address
        else:
            address.delete()
    mail_after_commit(
        Mail(
            subject="Your Cadence email address is being changed",
            body=render_to_string(
                "accounts/email/email_change_notice.txt", {"user": user, "new_email": new}
            ),
            to=[user.email],
        )
    )
    if not taken:
        if pending is None:
            pending = EmailAddress.objects.create(user=user, email=new)
        if allauth_ratelimit.consume(request, action="confirm_email", key=new):
            pending.send_confirmation(request)
    auditing.record_event(action="email_change_requested", instance=user)


@transaction.atomic
def user_password_set(*, user: User, password: str | None) -> User:
    """Give the user a new password, or with `password=None` an unusable one (no password
    sign-in; OAuth still works)."""
    if password is None:
        user.set_unusable_password()
    else:
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    user.save(update_fields=["password", "updated_at"])
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


# --- roles ---------------------------------------------------------------------------


@transaction.atomic
def role_assign(*, user: User, role: Role, assigned_by: User | None = None) -> UserRole:
    """Give `user` the role (idempotent: an existing assignment is returned unchanged)."""
    existing = UserRole.objects.filter(user=user, role=role).first()
    if existing is not None:
        return existing
    if not role.is_active:
        raise ValidationError({"role": "This role is not active."})
    user_role = UserRole(user=user, role=role, assigned_by=assigned_by)
    # Uniqueness is left to the database, so a concurrent assignment is not an error.
    user_role.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            user_role.save()
    except IntegrityError:
        return UserRole.objects.get(user=user, role=role)
    _forget_cached_permissions(user)
    return user_role


@transaction.atomic
def role_unassign(*, user: User, role: Role) -> bool:
    """Take the role away; returns whether the user had it."""
    deleted = 0
    for user_role in UserRole.objects.filter(user=user, role=role):
        user_role.delete()
        deleted += 1
    _forget_cached_permissions(user)
    return bool(deleted)


def _forget_cached_permissions(user: User) -> None:
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_role_perm_cache"):
        user.__dict__.pop(attr, None)


@transaction.atomic
def role_create(*, name: str, description: str = "", is_active: bool = True) -> Role:
    """Create a custom role (its permissions are granted on the role afterwards)."""
    role = Role(name=name, description=description, is_active=is_active)
    role.full_clean()
    role.save()
    return role


@transaction.atomic
def role_update(*, role: Role, data: Mapping[str, Any]) -> Role:
    """Change a role's name, description or activity; a system role keeps its name, which
    code refers to."""
    if role.is_system and "name" in data and data["name"] != role.name:
        raise NotAllowed("System roles can't be renamed.")
    update_fields(role, data)
    return role


@transaction.atomic
def role_delete(*, role: Role) -> None:
    """Delete a custom role; the built-in system roles are refused."""
    if role.is_system:
        raise NotAllowed("System roles can't be deleted.")
    role.delete()


# --- settings and preferences ---------------------------------------------------------


@transaction.atomic
def user_settings_update(*, settings: UserSettings, data: Mapping[str, Any]) -> UserSettings:
    """Change some of a user's settings; choices and ranges are checked by the model."""
    update_fields(settings, data)
    return settings


@transaction.atomic
def user_preference_create(*, user: User, preference_key: str, value: Any) -> UserPreference:
    """Add a preference; a key the user already has is a validation error."""
    preference = UserPreference(user=user, preference_key=preference_key, preference_value=value)
    preference.full_clean()
    try:
        # A savepoint, so a concurrent insert of the same key fails cleanly (400, not 500).
        with transaction.atomic():
            preference.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"preference_key": "You already have a preference with this key."}
        ) from exc
    return preference


@transaction.atomic
def user_preference_set(
    *, user: User, preference_key: str, value: Any
) -> tuple[UserPreference, bool]:
    """Create or replace one preference; returns (preference, created)."""
    existing = (
        UserPreference.objects.select_for_update()
        .filter(user=user, preference_key=preference_key)
        .first()
    )
    if existing is None:
        try:
            return user_preference_create(
                user=user, preference_key=preference_key, value=value
            ), True
        except ValidationError:
            # Either the key is invalid, or a concurrent request created it a moment ago:
            # then replace that row's value instead.
            existing = (
                UserPreference.objects.select_for_update()
                .filter(user=user, preference_key=preference_key)
                .first()
            )
            if existing is None:
                raise
    return user_preference_update(preference=existing, value=value), False


@transaction.atomic
def user_preference_update(*, preference: UserPreference, value: Any) -> UserPreference:
    """Replace one preference's value."""
    update_fields(preference, {"preference_value": value})
    return preference


@transaction.atomic
def user_preference_delete(*, preference: UserPreference) -> None:
    """Forget one preference."""
    preference.delete()


# --- API keys --------------------------------------------------------------------------


@transaction.atomic
def api_key_create(
    *,
    user: User,
    key_name: str,
    description: str = "",
    permissions: list[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Issue a key; returns (row, full key). The full key is never stored or shown again."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "Must be in the future."})
    scopes = permissions or [ApiKey.Scope.READ, ApiKey.Scope.WRITE]
    unknown = sorted(set(scopes) - set(ApiKey.Scope.values))
    if unknown:
        raise ValidationError({"permissions": f"Unknown scopes: {', '.join(unknown)}."})
    prefix, full_key = tokens.new_api_key()
    api_key = ApiKey(
        user=user,
        key_name=key_name,
        description=description,
        prefix=prefix,
        key_hash=tokens.digest(full_key),
        permissions=",".join(scope for scope in ApiKey.Scope.values if scope in scopes),
        expires_at=expires_at,
    )
    # The prefix, hash and scopes are made here and valid by construction; the database's
    # unique constraints stand behind the random parts.
    validate_fields(api_key, ["key_name", "description", "expires_at"])
    api_key.save()
    return api_key, full_key


@transaction.atomic
def api_key_update(*, api_key: ApiKey, data: Mapping[str, Any]) -> ApiKey:
    """Change a key's name, description, scopes or expiry (staff, in the admin)."""
    update_fields(api_key, data)
    return api_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Stop a key working from its next request on; the row stays for the record."""
    if api_key.revoked_at is not None:
        return api_key
    api_key.is_active = False
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["is_active", "revoked_at", "updated_at"])
    return api_key


@transaction.atomic
def api_keys_revoke_all(*, user: User) -> int:
    """Revoke every key of the user not revoked yet (recovery: whatever leaked stops
    working); returns how many were revoked."""
    keys = ApiKey.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
    revoked = 0
    for api_key in keys:
        api_key_revoke(api_key=api_key)
        revoked += 1
    return revoked


def api_key_mark_used(*, api_key: ApiKey, now: datetime | None = None) -> bool:
    """Note that the key was used, writing at most once a minute per key. True when it
    changed `api_key.last_used_at`."""
    now = now or timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < API_KEY_USAGE_RESOLUTION:
        return False
    # A plain UPDATE: usage bookkeeping is not an audited change and must not race.
    ApiKey.objects.filter(pk=api_key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - API_KEY_USAGE_RESOLUTION)
    ).update(last_used_at=now)
    api_key.last_used_at = now
    return True


# --- tracked sessions ------------------------------------------------------------------


@transaction.atomic
def user_session_start(
    *,
    user: User,
    session_key: str,
    expires_at: datetime,
    kind: str = UserSession.Kind.BROWSER,
    client_ip: str | None = None,
    user_agent: str = "",
    login_method: str = "",
) -> UserSession:
    """Start tracking a freshly logged-in session (its key is hashed, never stored)."""
    session, _ = UserSession.objects.update_or_create(
        session_key_hash=tokens.digest(session_key),
        defaults={
            "user": user,
            "kind": kind,
            "client_ip": client_ip or None,
            "user_agent": user_agent[:512],
            "device_fingerprint": tokens.digest(user_agent)[:32] if user_agent else "",
            "login_method": login_method[:50],
            "is_active": True,
            "last_activity": timezone.now(),
            "expires_at": expires_at,
            "revoked_at": None,
            "revocation_reason": "",
        },
    )
    auditing.record_event(
        action="login",
        instance=user,
        metadata={"session": str(session.pk), "method": login_method, "kind": kind},
    )
    return session


def user_session_touch(*, key_hash: str, client_ip: str | None) -> int:
    """Count a request against the live session with this key hash; returns the number of
    rows counted (0: the session is not live, or not tracked).

    One UPDATE, no transaction of its own: it runs on every signed-in request. A request
    from another address than the login's flags the session as suspicious (a stolen cookie
    or token shows up this way).
    """
    changes: dict[str, Any] = {
        "last_activity": timezone.now(),
        "request_count": F("request_count") + 1,
    }
    if client_ip:
        changes["suspicious_activity"] = Case(
            When(Q(client_ip__isnull=False) & ~Q(client_ip=client_ip), then=Value(True)),
            default=F("suspicious_activity"),
        )
    return UserSession.objects.live().filter(session_key_hash=key_hash).update(**changes)


def user_session_follow_key(*, old_hash: str, new_hash: str) -> bool:
    """The session was given a new key (Django does so on a password change): the live row
    of the old key takes the new one, unless a login already started a row for the new key.
    Returns whether a row followed."""
    if new_hash == old_hash or UserSession.objects.filter(session_key_hash=new_hash).exists():
        return False
    updated = (
        UserSession.objects.live()
        .filter(session_key_hash=old_hash)
        .update(session_key_hash=new_hash)
    )
    return bool(updated)


@transaction.atomic
def user_session_revoke(*, session: UserSession, reason: str) -> UserSession:
    """End a session: its next request is anonymous (its cookie or token is destroyed)."""
    if not session.is_active:
        return session
    session.is_active = False
    session.revoked_at = timezone.now()
    session.revocation_reason = reason
    session.save(update_fields=["is_active", "revoked_at", "revocation_reason", "updated_at"])
    return session


@transaction.atomic
def user_sessions_revoke_all(*, user: User, reason: str, keep: UserSession | None = None) -> int:
    """End every live session of the user except `keep`; returns how many were ended."""
    queryset = UserSession.objects.select_for_update().filter(user=user, is_active=True)
    if keep is not None:
        queryset = queryset.exclude(pk=keep.pk)
    ended = 0
    for session in queryset:
        user_session_revoke(session=session, reason=reason)
        ended += 1
    return ended


@transaction.atomic
def user_session_end(*, session_key: str) -> None:
    """The user signed out: the session's row is closed."""
    session = UserSession.objects.filter(session_key_hash=tokens.digest(session_key)).first()
    if session is not None:
        user_session_revoke(session=session, reason=UserSession.RevocationReason.LOGOUT)


# --- password reset --------------------------------------------------------------------


@transaction.atomic
def password_reset_token_issue(
    *, user: User, email: str = "", client_ip: str | None = None, user_agent: str = ""
) -> tuple[PasswordResetToken, str]:
    """Issue a reset token for `user`, revoking the previous live one; returns (row, secret)."""
    # Lock the user's row so two simultaneous requests can't both leave a live token.
    User.all_objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    previous = (
        PasswordResetToken.objects.select_for_update()
        .filter(user=user, revoked_at__isnull=True, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
    )
    latest = None
    for token in previous:
        latest = latest or token
        token.revoked_at = now
        token.revocation_reason = PasswordResetToken.RevocationReason.SUPERSEDED
        token.save(update_fields=["revoked_at", "revocation_reason", "updated_at"])
    secret = tokens.new_secret()
    token = PasswordResetToken(
        user=user,
        email=email or user.email,
        token_hash=tokens.digest(secret),
        expires_at=now + PASSWORD_RESET_TOKEN_LIFETIME,
        client_ip=client_ip or None,
        user_agent=user_agent[:512],
        previous_token=latest,
    )
    token.full_clean()
    token.save()
    return token, secret


@transaction.atomic
def password_reset_request(
    *, email: str, client_ip: str | None = None, user_agent: str = ""
) -> PasswordResetToken | None:
    """Email a reset token to the account with this address, if there is one, with the API
    keys that still work (a reset after a leak should end them too). An address without an
    account gets a note saying so, unless ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS is off (the sign-in
    pages follow the same setting).

    Either way the caller answers the same; the API runs this after its answer has gone, so
    the time it takes tells nobody which addresses exist.
    """
    email = email.strip()
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        if allauth_account_settings.EMAIL_UNKNOWN_ACCOUNTS:
            mail_after_commit(
                Mail(
                    subject="Password reset request",
                    body=render_to_string(
                        "accounts/email/password_reset_unknown.txt", {"email": email}
                    ),
                    to=[email],
                )
            )
        return None
    token, secret = password_reset_token_issue(
        user=user, email=user.email, client_ip=client_ip, user_agent=user_agent
    )
    mail_after_commit(
        Mail(
            subject="Reset your Cadence password",
            body=render_to_string(
                "accounts/email/password_reset_api.txt",
                {
                    "user": user,
                    "token": secret,
                    "api_keys": list(selectors.api_keys_usable_of(user=user)),
                },
            ),
            to=[user.email],
        )
    )
    auditing.record_event(action="password_reset_requested", instance=user)
    return token


def password_changed_notify(*, user: User) -> None:
    """Tell the user their password changed, listing the API keys that still work: a key
    taken along with the old password keeps working until it is revoked."""
    mail_after_commit(
        Mail(
            subject="Your Cadence password was changed",
            body=render_to_string(
                "accounts/email/password_changed.txt",
                {"user": user, "api_keys": list(selectors.api_keys_usable_of(user=user))},
            ),
            to=[user.email],
        )
    )


@transaction.atomic
def password_reset_token_consume(*, token: PasswordResetToken) -> PasswordResetToken:
    """Count one use of a token that was locked and checked by the caller."""
    updated = PasswordResetToken.objects.filter(
        pk=token.pk, use_count__lt=F("max_uses"), revoked_at__isnull=True
    ).update(use_count=F("use_count") + 1, used_at=timezone.now(), updated_at=timezone.now())
    if not updated:
        raise ValidationError({"token": "This reset link is invalid or has expired."})
    token.refresh_from_db()
    return token


@transaction.atomic
def password_reset_confirm(
    *, secret: str, new_password: str, revoke_api_keys: bool = False
) -> User:
    """Set a new password with a reset token: single use, and every session of the user ends;
    with `revoke_api_keys` every API key of the user is revoked too."""
    token = selectors.password_reset_token_find(secret=secret, for_update=True)
    if token is None:
        raise ValidationError({"token": "This reset link is invalid or has expired."})
    user = token.user
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    password_reset_token_consume(token=token)
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    user_sessions_revoke_all(user=user, reason=UserSession.RevocationReason.PASSWORD_RESET)
    revoked = api_keys_revoke_all(user=user) if revoke_api_keys else 0
    auditing.record_event(
        action="password_reset",
        instance=user,
        metadata={"via": "api", "api_keys_revoked": revoked},
    )
    password_changed_notify(user=user)
    return user


@transaction.atomic
def password_reset_after_allauth_reset(*, user: User) -> None:
    """The allauth reset pages changed the password with one of our tokens: spend it, end
    the user's sessions and tell them which API keys still work, as the API confirm does
    (the page's form has already revoked the keys when asked to)."""
    now = timezone.now()
    live = PasswordResetToken.objects.select_for_update().filter(
        user=user, revoked_at__isnull=True, use_count__lt=F("max_uses"), expires_at__gt=now
    )
    for token in live:
        password_reset_token_consume(token=token)
    user_sessions_revoke_all(user=user, reason=UserSession.RevocationReason.PASSWORD_RESET)
    auditing.record_event(action="password_reset", instance=user, metadata={"via": "web"})
    password_changed_notify(user=user)


# --- system roles ----------------------------------------------------------------------

# Default permissions of the built-in roles, as (app_label, codename prefix) pairs.
_MODERATED_APPS = ("social", "teams")


def _default_permissions(role_name: str, *, using: str):
    from django.contrib.auth.models import Permission

    permissions = Permission.objects.using(using)
    if role_name == Role.ADMIN:
        return permissions.all()
    if role_name == Role.VIEWER:
        return permissions.filter(codename__startswith="view_")
    if role_name == Role.MODERATOR:
        return permissions.filter(
            Q(codename__startswith="view_")
            | Q(content_type__app_label__in=_MODERATED_APPS, codename__startswith="change_")
            | Q(content_type__app_label__in=_MODERATED_APPS, codename__startswith="delete_")
        )
    return permissions.filter(content_type__app_label="accounts", codename="view_role")


SYSTEM_ROLE_DESCRIPTIONS = {
    Role.ADMIN: "Full system access",
    Role.USER: "Standard user access",
    Role.VIEWER: "Read-only access",
    Role.MODERATOR: "Moderation capabilities",
}


def system_roles_sync_permissions(*, using: str = "default") -> None:
    """Make sure the built-in roles exist (a database flush removes them too) and hold their
    default permissions (added only: staff may grant more)."""
    if Role._meta.db_table not in connections[using].introspection.table_names():
        return  # a partial migrate that hasn't reached accounts yet
    for name, description in SYSTEM_ROLE_DESCRIPTIONS.items():
        Role.objects.using(using).get_or_create(
            name=name, defaults={"description": description, "is_system": True}
        )
    for role in Role.objects.using(using).filter(is_system=True, name__in=Role.SYSTEM_ROLES):
        missing = _default_permissions(role.name, using=using).exclude(
            pk__in=role.permissions.values("pk")
        )
        role.permissions.add(*missing)
