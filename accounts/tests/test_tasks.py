from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import services
from accounts.models import PasswordResetToken, UserSession

pytestmark = pytest.mark.django_db


def test_cleanup_closes_expired_sessions_and_deletes_old_tokens(user):
    live = services.user_session_start(
        user=user, session_key="a" * 32, expires_at=timezone.now() + timedelta(hours=1)
    )
    done = services.user_session_start(
        user=user, session_key="b" * 32, expires_at=timezone.now() - timedelta(seconds=1)
    )
    old, _ = services.password_reset_token_issue(user=user)
    PasswordResetToken.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - timedelta(days=31)
    )
    recent, _ = services.password_reset_token_issue(user=user)
    out = StringIO()
    call_command("accounts_cleanup", stdout=out)
    assert "Closed 1" in out.getvalue() and "deleted 1" in out.getvalue()
    assert UserSession.objects.get(pk=live.pk).is_active
    done = UserSession.objects.get(pk=done.pk)
    assert not done.is_active and done.revocation_reason == "expired"
    assert list(PasswordResetToken.objects.values_list("pk", flat=True)) == [recent.pk]
