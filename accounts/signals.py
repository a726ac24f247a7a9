"""accounts' own receivers: side effects of users appearing, signing in and out, resets,
email verification, and third-party tokens being stored."""

from allauth.account.signals import (
    email_changed,
    email_confirmed,
    email_removed,
    user_signed_up,
)
from allauth.account.signals import password_changed as allauth_password_changed
from allauth.account.signals import password_reset as allauth_password_reset
from allauth.socialaccount.models import SocialToken
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
from django.dispatch import receiver

from accounts import crypto, selectors, services
from accounts.authentication import api_key_cache_forget
from accounts.models import ApiKey, Role, User, UserSession, UserSettings
from core.client_ip import client_ip


@receiver(post_save, sender=User, dispatch_uid="accounts.create_user_settings")
def create_user_settings(sender, instance: User, created: bool, raw: bool = False, **kwargs):
    # Every path that creates a user (signup, OAuth, admin, createsuperuser) gets settings.
    if created and not raw:
        UserSettings.objects.get_or_create(user=instance)


@receiver(post_save, sender=User, dispatch_uid="accounts.assign_default_role")
def assign_default_role(sender, instance: User, created: bool, raw: bool = False, **kwargs):
    # Every new user holds the built-in `user` role, whichever path created them.
    if created and not raw:
        role = Role.objects.filter(name=Role.USER).first()
        if role is not None:
            services.role_assign(user=instance, role=role)


@receiver(user_logged_in, dispatch_uid="accounts.track_session_on_login")
def track_session_on_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    if not session.session_key:
        session.save()
    headless = getattr(getattr(request, "allauth", None), "headless", None)
    kind = (
        UserSession.Kind.APP
        if getattr(headless, "client", None) == "app"
        else UserSession.Kind.BROWSER
    )
    services.user_session_start(
        user=user,
        session_key=session.session_key,
        expires_at=session.get_expiry_date(),
        kind=kind,
        client_ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        login_method=selectors.login_method_of(request),
    )


@receiver(user_logged_out, dispatch_uid="accounts.end_session_on_logout")
def end_session_on_logout(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        services.user_session_end(session_key=session.session_key)


@receiver(allauth_password_reset, dispatch_uid="accounts.consume_reset_token")
def consume_reset_token(sender, request, user, **kwargs):
    # The allauth reset pages validated a token of ours; spend it and end other sessions.
    services.password_reset_after_allauth_reset(user=user)


@receiver(allauth_password_changed, dispatch_uid="accounts.end_sessions_on_password_change")
def end_sessions_on_password_change(sender, request, user, **kwargs):
    # The password change gave the session a new key; its row still has the old one.
    start_hash = getattr(request, "cadence_session_hash_at_start", None)
    keep = UserSession.objects.filter(session_key_hash=start_hash).first() if start_hash else None
    services.user_sessions_revoke_all(
        user=user, reason=UserSession.RevocationReason.PASSWORD_CHANGE, keep=keep
    )
    services.password_changed_notify(user=user)


@receiver(post_migrate, dispatch_uid="accounts.sync_system_role_permissions")
def sync_system_role_permissions(sender, using="default", **kwargs):
    # Runs after each app's migrations, so permissions of apps migrated later are added too.
    services.system_roles_sync_permissions(using=using)


# Cached API key lookups (accounts.authentication) must not outlive a change to the key, its
# owner or the owner's settings: revoking a key, deactivating or deleting the user, turning
# tracking off take effect at once. Entries are dropped when the change commits; dropped
# earlier, a request in between could cache the old rows again.
@receiver(post_save, sender=ApiKey, dispatch_uid="accounts.forget_cached_api_key")
@receiver(post_delete, sender=ApiKey, dispatch_uid="accounts.forget_deleted_api_key")
def forget_cached_api_key(sender, instance: ApiKey, **kwargs):
    if settings.API_KEY_CACHE_SECONDS:
        key_hash = instance.key_hash
        transaction.on_commit(lambda: api_key_cache_forget([key_hash]))


def _forget_cached_api_keys_of(user_id) -> None:
    if settings.API_KEY_CACHE_SECONDS:
        key_hashes = list(ApiKey.objects.filter(user_id=user_id).values_list("key_hash", flat=True))
        transaction.on_commit(lambda: api_key_cache_forget(key_hashes))


@receiver(post_save, sender=User, dispatch_uid="accounts.forget_cached_api_keys_of_user")
def forget_cached_api_keys_of_user(sender, instance: User, created: bool, **kwargs):
    if not created:
        _forget_cached_api_keys_of(instance.pk)


@receiver(post_save, sender=UserSettings, dispatch_uid="accounts.forget_api_keys_on_settings")
def forget_cached_api_keys_on_settings(sender, instance: UserSettings, **kwargs):
    _forget_cached_api_keys_of(instance.user_id)


@receiver(email_confirmed, dispatch_uid="accounts.follow_confirmed_email")
@receiver(email_changed, dispatch_uid="accounts.follow_changed_email")
@receiver(email_removed, dispatch_uid="accounts.follow_removed_email")
@receiver(user_signed_up, dispatch_uid="accounts.follow_signup_email")
def follow_primary_email(sender, signal, **kwargs):
    # These signals come after allauth's own full saves of the user, which would overwrite
    # what a receiver of EmailAddress saves had written. A social sign-up with an address
    # the provider vouches for sends no confirmation, only user_signed_up.
    address = kwargs.get("to_email_address") or kwargs.get("email_address")
    user_id = address.user_id if address is not None else getattr(kwargs.get("user"), "pk", None)
    if user_id is None:
        return
    # Confirmed just now, or just made primary: new to the user's columns even though
    # allauth has already copied the address into User.email.
    renewed_pk = address.pk if address is not None and signal is not email_removed else None
    services.user_email_follow_primary(user_id=user_id, renewed_address_id=renewed_pk)


@receiver(pre_save, sender=SocialToken, dispatch_uid="accounts.encrypt_social_token")
def encrypt_social_token(sender, instance: SocialToken, **kwargs):
    # Third-party access and refresh tokens reach the database only encrypted; readers use
    # accounts.crypto.decrypt. A value already encrypted (a stored token saved again with a
    # new access token but the old refresh token) is left as it is. Read from __dict__ so
    # that a deferred field is not loaded just to be skipped.
    for name in ("token", "token_secret"):
        value = instance.__dict__.get(name)
        if value and not crypto.is_encrypted(value):
            setattr(instance, name, crypto.encrypt(value))
