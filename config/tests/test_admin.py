import pytest
from django.urls import reverse

from auditing.models import AuditLog
from config.models import AppSetting

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


FORM = {
    "setting_key": "ui.banner",
    "setting_value": '{"text": "hi"}',
    "description": "",
    "category": "ui",
}


def test_staff_add_change_and_delete_a_setting(admin_client, staff_user):
    added = admin_client.post(reverse("admin:config_appsetting_add"), FORM)
    assert added.status_code == 302
    setting = AppSetting.objects.get(setting_key="ui.banner")
    assert setting.setting_value == {"text": "hi"}

    change = reverse("admin:config_appsetting_change", args=[setting.pk])
    assert admin_client.post(change, {**FORM, "is_public": "on"}).status_code == 302
    setting.refresh_from_db()
    assert setting.is_public is True
    row = AuditLog.objects.get(entity_id=str(setting.pk), action="update")
    assert row.user_id == staff_user.pk and row.new_values == {"is_public": True}

    delete = reverse("admin:config_appsetting_delete", args=[setting.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not AppSetting.objects.filter(pk=setting.pk).exists()


def test_a_bad_key_is_refused_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:config_appsetting_add"), {**FORM, "setting_key": "Not A Key"}
    )
    assert response.status_code == 200
    assert not AppSetting.objects.exists()
