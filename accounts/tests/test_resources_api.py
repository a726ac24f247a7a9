"""Generated contract tests for every accounts resource, plus the rules each one keeps."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services, tokens
from accounts.models import ApiKey, Role, User, UserPreference, UserSession, UserSettings
from accounts.tests.factories import UserFactory
from tests.api_cases import APIResourceCases


def _start_session(user, **fields):
    return services.user_session_start(
        user=user,
        session_key=uuid.uuid4().hex,
        expires_at=timezone.now() + timedelta(days=1),
        client_ip="10.1.2.3",
        user_agent="pytest",
        login_method="password",
        **fields,
    )


class TestSettingsAPI(APIResourceCases):
    base_path = "/api/v1/me/settings/"
    model = UserSettings
    singleton = True
    actions = {"retrieve", "update"}
    update_data = {"theme": "dark", "language": "ja", "screenshot_interval": 60}
    invalid_update_data = {"theme": "neon", "screenshot_interval": 0}
    max_queries = 3

    def make_object(self, user):
        return user.settings


class TestPreferenceAPI(APIResourceCases):
    base_path = "/api/v1/me/preferences/"
    model = UserPreference
    update_data = {"preference_value": {"collapsed": True}}
    invalid_create_data = {"preference_key": "not a key!", "preference_value": 1}

    def make_object(self, user):
        return UserPreference.objects.create(
            user=user, preference_key=f"pref-{uuid.uuid4().hex[:8]}", preference_value=[1, 2]
        )

    def create_data(self, user):
        return {"preference_key": "ui.sidebar", "preference_value": {"width": 240}}

    def detail_path(self, obj):
        return f"{self.base_path}{obj.preference_key}/"


class TestApiKeyAPI(APIResourceCases):
    base_path = "/api/v1/me/api-keys/"
    model = ApiKey
    actions = {"list", "retrieve", "create", "delete"}
    invalid_create_data = {"key_name": "", "permissions": ["root"]}

    def make_object(self, user):
        api_key, _ = services.api_key_create(user=user, key_name="ci")
        return api_key

    def create_data(self, user):
        return {"key_name": "laptop", "permissions": ["read"]}

    def assert_deleted(self, obj):
        obj.refresh_from_db()
        assert not obj.is_active and obj.revoked_at is not None


class TestSessionAPI(APIResourceCases):
    base_path = "/api/v1/me/sessions/"
    model = UserSession
    actions = {"list", "retrieve", "delete"}

    def make_object(self, user):
        return _start_session(user)

    def assert_deleted(self, obj):
        obj.refresh_from_db()
        assert not obj.is_active and obj.revocation_reason == "revoked_by_user"


class TestUserAPI(APIResourceCases):
    base_path = "/api/v1/users/"
    model = User
    actions = {"list", "retrieve"}
    owned = False

    def make_object(self, user):
        return UserFactory()


class TestRoleAPI(APIResourceCases):
    base_path = "/api/v1/roles/"
    model = Role
    actions = {"list", "retrieve"}
    owned = False

    def make_object(self, user):
        return Role.objects.create(name=f"role-{uuid.uuid4().hex[:8]}")


class TestPasswordResetAPI(APIResourceCases):
    base_path = "/api/v1/auth/password-reset/"
    model = User
    actions = set()
    owned = False

    def test_anonymous_gets_401(self, user):
        # Anonymous by design: answered 202 for anyone (see test_password_reset.py).
        response = APIClient().post(self.base_path, {"email": user.email})
        assert response.status_code == 202


class TestPasswordResetConfirmAPI(APIResourceCases):
    base_path = "/api/v1/auth/password-reset/confirm/"
    model = User
    actions = set()
    owned = False

    def test_anonymous_gets_401(self, user):
        response = APIClient().post(self.base_path, {"token": "x", "new_password": "y"})
        assert response.status_code == 400


def _raw_row(table: str, pk) -> str:
    """Every column of one row as text, read past the ORM."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {table} WHERE id = %s",  # noqa: S608 (a constant table name)
            [pk.hex if connection.vendor == "sqlite" else pk],
        )
        return " ".join(str(value) for value in cursor.fetchone())


@pytest.mark.django_db
class TestSettingsRules:
    def test_openai_key_is_write_only_and_encrypted_at_rest(self, user_client, user):
        response = user_client.patch("/api/v1/me/settings/", {"openai_api_key": "sk-test-123456"})
        assert response.status_code == 200
        assert "openai_api_key" not in response.json()
        assert response.json()["has_openai_api_key"] is True
        assert "sk-test-123456" not in _raw_row("user_settings", user.settings.pk)
        assert UserSettings.objects.get(user=user).openai_api_key == "sk-test-123456"
        assert "openai_api_key" not in user_client.get("/api/v1/me/settings/").json()

    @pytest.mark.parametrize(
        "body",
        [
            {"language": "xx"},
            {"screenshot_quality": "ultra"},
            {"data_retention_days": -1},
            {"idle_timeout": 0},
            {"time_zone": "Mars/Base"},
        ],
    )
    def test_bad_choices_and_ranges_are_400(self, user_client, body):
        response = user_client.patch("/api/v1/me/settings/", body)
        assert response.status_code == 400
        assert set(body) <= set(response.json())


@pytest.mark.django_db
class TestPreferenceRules:
    def test_put_creates_then_replaces(self, user_client, user):
        first = user_client.put(
            "/api/v1/me/preferences/theme.accent/", {"preference_value": "blue"}
        )
        assert first.status_code == 201
        second = user_client.put(
            "/api/v1/me/preferences/theme.accent/", {"preference_value": "red"}
        )
        assert second.status_code == 200
        assert (
            UserPreference.objects.get(user=user, preference_key="theme.accent").preference_value
            == "red"
        )

    def test_patch_changes_the_value_only_and_never_creates(self, user_client, user):
        path = "/api/v1/me/preferences/theme.accent/"
        assert user_client.patch(path, {"preference_value": "x"}).status_code == 404
        UserPreference.objects.create(user=user, preference_key="theme.accent", preference_value=1)
        # The key is the path's: a key in the body changes nothing.
        response = user_client.patch(path, {"preference_key": "other", "preference_value": 2})
        assert response.status_code == 200
        assert response.json()["preference_key"] == "theme.accent"
        unchanged = user_client.patch(path, {})
        assert unchanged.status_code == 200
        assert unchanged.json()["preference_value"] == 2
        assert list(
            UserPreference.objects.filter(user=user).values_list(
                "preference_key", "preference_value"
            )
        ) == [("theme.accent", 2)]
        assert user_client.patch(path, {"preference_value": None}).status_code == 400

    def test_duplicate_key_on_post_is_400(self, user_client, user):
        UserPreference.objects.create(user=user, preference_key="dup", preference_value=1)
        response = user_client.post(
            "/api/v1/me/preferences/", {"preference_key": "dup", "preference_value": 2}
        )
        assert response.status_code == 400
        assert UserPreference.objects.get(user=user, preference_key="dup").preference_value == 1

    def test_same_key_for_two_users_is_fine_and_separate(self, user_client, user, other_user):
        UserPreference.objects.create(
            user=other_user, preference_key="shared", preference_value="theirs"
        )
        assert user_client.get("/api/v1/me/preferences/shared/").status_code == 404
        assert user_client.delete("/api/v1/me/preferences/shared/").status_code == 404
        assert (
            user_client.put(
                "/api/v1/me/preferences/shared/", {"preference_value": "mine"}
            ).status_code
            == 201
        )
        assert (
            UserPreference.objects.get(user=other_user, preference_key="shared").preference_value
            == "theirs"
        )


@pytest.mark.django_db
class TestUserAndRoleRules:
    def test_public_fields_for_users_all_fields_for_staff(
        self, user_client, staff_client, other_user
    ):
        public = user_client.get(f"/api/v1/users/{other_user.pk}/").json()
        assert set(public) == {"id", "username", "display_name", "avatar_url"}
        full = staff_client.get(f"/api/v1/users/{other_user.pk}/").json()
        assert full["email"] == other_user.email
        assert "password" not in full
        assert full["roles"] == ["user"]

    def test_system_roles_exist_and_every_new_user_has_user_role(self, user):
        assert set(Role.objects.filter(is_system=True).values_list("name", flat=True)) == {
            "admin",
            "user",
            "viewer",
            "moderator",
        }
        assert list(user.roles.values_list("name", flat=True)) == ["user"]

    def test_staff_assigns_and_removes_a_role(self, staff_client, staff_user, user):
        response = staff_client.post(f"/api/v1/users/{user.pk}/roles/", {"role": "viewer"})
        assert response.status_code == 201
        assert {r["name"] for r in response.json()} == {"user", "viewer"}
        assert user.user_roles.get(role__name="viewer").assigned_by == staff_user
        response = staff_client.delete(f"/api/v1/users/{user.pk}/roles/", {"role": "viewer"})
        assert response.status_code == 200
        assert not user.roles.filter(name="viewer").exists()

    def test_non_staff_cannot_assign_roles(self, user_client, other_user):
        response = user_client.post(f"/api/v1/users/{other_user.pk}/roles/", {"role": "admin"})
        assert response.status_code == 403
        assert not other_user.roles.filter(name="admin").exists()

    def test_unknown_role_is_400(self, staff_client, user):
        response = staff_client.post(f"/api/v1/users/{user.pk}/roles/", {"role": "overlord"})
        assert response.status_code == 400

    def test_role_permissions_count_through_the_normal_permission_system(self, user):
        assert not user.has_perm("accounts.view_apikey")
        viewer = Role.objects.get(name="viewer")
        services.role_assign(user=user, role=viewer)
        user = User.objects.get(pk=user.pk)
        assert user.has_perm("accounts.view_apikey")
        assert not user.has_perm("accounts.change_apikey")
        admin_role = Role.objects.get(name="admin")
        services.role_assign(user=user, role=admin_role)
        user = User.objects.get(pk=user.pk)
        assert user.has_perm("accounts.change_apikey")

    def test_a_staff_member_with_only_a_role_may_assign_roles(self, user, other_user):
        staff = UserFactory(is_staff=True)
        client = APIResourceCases.client_for(staff)
        assert (
            client.post(f"/api/v1/users/{other_user.pk}/roles/", {"role": "viewer"}).status_code
            == 403
        )
        services.role_assign(user=staff, role=Role.objects.get(name="admin"))
        staff = User.objects.get(pk=staff.pk)
        client = APIResourceCases.client_for(staff)
        assert (
            client.post(f"/api/v1/users/{other_user.pk}/roles/", {"role": "viewer"}).status_code
            == 201
        )

    def test_system_roles_cannot_be_deleted(self):
        from core.errors import NotAllowed

        with pytest.raises(NotAllowed):
            services.role_delete(role=Role.objects.get(name="user"))
        assert Role.objects.filter(name="user").exists()


def test_digest_is_sha256_hex():
    assert len(tokens.digest("x")) == 64


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_puts_of_a_new_preference_leave_one_row_and_no_500():
    import threading

    user = UserFactory()
    barrier, codes = threading.Barrier(4), []

    def put(index):
        try:
            client = APIResourceCases.client_for(user)
            barrier.wait()
            response = client.put("/api/v1/me/preferences/race/", {"preference_value": index})
            codes.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=put, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes)[-1] < 500 and 201 in codes
    assert set(codes) <= {200, 201}
    assert UserPreference.objects.filter(user=user, preference_key="race").count() == 1
