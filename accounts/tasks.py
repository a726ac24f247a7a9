"""Periodic housekeeping for accounts (plain functions; `manage.py accounts_cleanup` runs them)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

import auditing
from accounts.models import PasswordResetToken, UserSession

# Spent reset tokens are kept this long for the record, then deleted.
RESET_TOKEN_RETENTION = timedelta(days=30)


@transaction.atomic
def expire_sessions() -> int:
    """Close tracked sessions whose time is up; returns how many were closed."""
    now = timezone.now()
    expired = UserSession.objects.filter(is_active=True, expires_at__lte=now)
    ids = list(expired.values_list("pk", flat=True))
    if ids:
        UserSession.objects.filter(pk__in=ids).update(
            is_active=False,
            revoked_at=now,
            revocation_reason=UserSession.RevocationReason.EXPIRED,
            updated_at=now,
        )
        auditing.record_bulk(model=UserSession, action="update", ids=ids)
    return len(ids)


@transaction.atomic
def purge_password_reset_tokens() -> int:
    """Delete reset tokens that expired more than RESET_TOKEN_RETENTION ago."""
    stale = PasswordResetToken.objects.filter(expires_at__lt=timezone.now() - RESET_TOKEN_RETENTION)
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        # previous_token links point inside this batch; SET_NULL handles them.
        PasswordResetToken.objects.filter(pk__in=ids).delete()
        auditing.record_bulk(model=PasswordResetToken, action="delete", ids=ids)
    return len(ids)
