from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.models import User
from config.management.commands.seed_demo import DEMO_USERS

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--force", stdout=out)
    return out.getvalue()


def test_seed_demo_is_idempotent_and_prints_working_logins(client):
    first = _seed()
    counts = (User.all_objects.count(), EmailAddress.objects.count())
    second = _seed()
    assert (User.all_objects.count(), EmailAddress.objects.count()) == counts
    assert first == second
    assert User.objects.filter(is_staff=True, username="admin").exists()
    assert User.objects.filter(is_staff=False).count() == 2
    for spec in DEMO_USERS:
        assert spec["password"] in first and spec["email"] in first
        assert client.login(username=spec["username"], password=spec["password"])
        client.logout()
    assert "/admin/" in first and "/api/docs/" in first


def test_seed_demo_restores_a_soft_deleted_demo_user_and_resets_its_password():
    _seed()
    alice = User.objects.get(username="alice")
    alice.set_password("changed-by-someone")
    alice.save()
    User.all_objects.filter(pk=alice.pk).update(
        is_deleted=True, deleted_at="2026-01-01T00:00:00Z", is_active=False
    )
    _seed()
    alice = User.objects.get(username="alice")
    assert alice.is_active and alice.check_password("cadence-demo-alice")


def test_seed_demo_refuses_without_debug_unless_forced():
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())
