import pytest
from rest_framework.test import APIClient

from auditing.models import AuditLog
from config.models import AppSetting
from tests.api_cases import APIResourceCases

pytestmark = pytest.mark.django_db


def make_setting(key="ui.flag", *, is_public=True, value=None) -> AppSetting:
    return AppSetting.objects.create(
        setting_key=key, setting_value=value or {"on": True}, is_public=is_public
    )


class TestAppSettingAPI(APIResourceCases):
    base_path = "/api/v1/app-settings/"
    model = AppSetting
    owned = False
    owner_field = None
    staff = True
    anonymous_can_read = True
    update_data = {"description": "Now documented.", "is_public": False}
    invalid_update_data = {"setting_key": "Not A Key"}
    invalid_create_data = {"setting_key": ""}

    def make_object(self, user):
        return make_setting(f"key.{AppSetting.objects.count()}")

    def create_data(self, user):
        return {"setting_key": "feature.new", "setting_value": {"rollout": 10}, "is_public": True}


def test_anyone_sees_public_settings_only(user_client):
    public, private = make_setting("a.public"), make_setting("a.private", is_public=False)
    for client in (APIClient(), user_client):
        response = client.get("/api/v1/app-settings/")
        keys = {row["setting_key"] for row in response.json()["results"]}
        assert public.setting_key in keys and private.setting_key not in keys
        assert client.get(f"/api/v1/app-settings/{private.pk}/").status_code == 404


def test_staff_sees_all(staff_client):
    make_setting("a.public"), make_setting("a.private", is_public=False)
    keys = {r["setting_key"] for r in staff_client.get("/api/v1/app-settings/").json()["results"]}
    assert {"a.public", "a.private"} <= keys


def test_writes_are_staff_only(user_client):
    setting = make_setting("a.public")
    path = f"/api/v1/app-settings/{setting.pk}/"
    assert user_client.post("/api/v1/app-settings/", {"setting_key": "x.y"}).status_code == 403
    assert user_client.patch(path, {"setting_value": 1}).status_code == 403
    assert user_client.delete(path).status_code == 403
    assert APIClient().patch(path, {"setting_value": 1}).status_code == 401
    setting.refresh_from_db()
    assert setting.setting_value == {"on": True}


def test_duplicate_key_is_400_and_writes_nothing(staff_client):
    make_setting("dup.key")
    response = staff_client.post(
        "/api/v1/app-settings/", {"setting_key": "dup.key", "setting_value": 1}
    )
    assert response.status_code == 400
    assert "setting_key" in response.json()
    assert AppSetting.objects.filter(setting_key="dup.key").count() == 1


def test_saving_the_same_values_writes_no_audit_row(staff_client):
    setting = make_setting("same.values", value={"a": 1})
    before = AuditLog.objects.count()
    response = staff_client.patch(
        f"/api/v1/app-settings/{setting.pk}/", {"setting_value": {"a": 1}}, format="json"
    )
    assert response.status_code == 200
    assert AuditLog.objects.count() == before
