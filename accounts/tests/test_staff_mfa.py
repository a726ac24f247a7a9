"""Staff API endpoints let in whom the admin lets in: with ADMIN_REQUIRE_MFA on, staff without
two-factor are refused there as they are in /admin/."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.test import override_settings

from accounts.models import User
from accounts.tests.clients import key_client, new_key
from accounts.tests.factories import StaffUserFactory
from config.models import AppSetting
from social.models import EmojiCategory

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

STAFF_READS = ["/api/v1/audit-logs/", "/api/v1/session-activities/", "/api/v1/session-analytics/"]


def staff_key_client(*, with_mfa: bool):
    staff = StaffUserFactory()
    if with_mfa:
        TOTP.activate(staff, SECRET)
    return key_client(new_key(staff, ["read", "write"]), REMOTE_ADDR="192.0.2.10"), staff


def write_attempts(client):
    setting = client.post(
        "/api/v1/app-settings/",
        {"setting_key": "mfa.test", "setting_value": {"a": 1}},
        format="json",
    )
    category = client.post(
        "/api/v1/emoji-categories/",
        {"name": "staffonly", "display_name": "Staff only", "sort_order": 5},
        format="json",
    )
    return setting, category


@override_settings(ADMIN_REQUIRE_MFA=True)
def test_staff_without_two_factor_are_refused_by_staff_endpoints():
    client, staff = staff_key_client(with_mfa=False)
    for path in STAFF_READS:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "two-factor" in response.json()["detail"]
    setting, category = write_attempts(client)
    assert setting.status_code == category.status_code == 403
    assert not AppSetting.objects.filter(setting_key="mfa.test").exists()
    assert not EmojiCategory.objects.filter(name="staffonly").exists()
    # Nor do they see other people's private columns or hand out roles.
    other = User.objects.exclude(pk=staff.pk).first() or staff
    assert "email" not in client.get(f"/api/v1/users/{other.pk}/").json()
    response = client.post(f"/api/v1/users/{staff.pk}/roles/", {"role": "admin"}, format="json")
    assert response.status_code == 403


@override_settings(ADMIN_REQUIRE_MFA=True)
def test_staff_with_two_factor_use_them():
    client, _ = staff_key_client(with_mfa=True)
    for path in STAFF_READS:
        assert client.get(path).status_code == 200, path
    setting, category = write_attempts(client)
    assert setting.status_code == 201, setting.content
    assert category.status_code == 201, category.content


@override_settings(ADMIN_REQUIRE_MFA=False)
def test_without_the_rule_staff_need_no_two_factor():
    client, _ = staff_key_client(with_mfa=False)
    for path in STAFF_READS:
        assert client.get(path).status_code == 200, path


@override_settings(ADMIN_REQUIRE_MFA=True)
def test_everyone_still_reads_what_is_public(user):
    client = key_client(new_key(user, ["read"]))
    assert client.get("/api/v1/app-settings/").status_code == 200
    assert client.get("/api/v1/emoji-categories/").status_code == 200
    assert client.get("/api/v1/audit-logs/").status_code == 403


@override_settings(ADMIN_REQUIRE_MFA=True)
def test_staff_without_two_factor_see_only_what_anyone_sees():
    AppSetting.objects.create(setting_key="private.flag", is_public=False)
    EmojiCategory.objects.create(name="hidden", display_name="Hidden", is_active=False)
    client, _ = staff_key_client(with_mfa=False)
    keys = [row["setting_key"] for row in client.get("/api/v1/app-settings/").json()["results"]]
    assert "private.flag" not in keys
    names = [row["name"] for row in client.get("/api/v1/emoji-categories/").json()["results"]]
    assert "hidden" not in names

    client, _ = staff_key_client(with_mfa=True)
    keys = [row["setting_key"] for row in client.get("/api/v1/app-settings/").json()["results"]]
    assert "private.flag" in keys
