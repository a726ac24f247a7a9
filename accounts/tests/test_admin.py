import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_changelist_lists_soft_deleted_users_and_searches(admin_client):
    UserFactory(username="visible")
    UserFactory(username="gone", is_deleted=True, deleted_at="2026-01-01T00:00:00Z")
    response = admin_client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    assert b"visible" in response.content and b"gone" in response.content
    found = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": "gone"})
    assert found.context["cl"].result_count == 1
    deleted = admin_client.get(reverse("admin:accounts_user_changelist"), {"is_deleted__exact": 1})
    assert [u.username for u in deleted.context["cl"].result_list] == ["gone"]


def test_change_page_renders(admin_client, user):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert response.status_code == 200
    assert user.email.encode() in response.content


def test_soft_delete_then_restore_actions(admin_client, user):
    url = reverse("admin:accounts_user_changelist")
    admin_client.post(url, {"action": "soft_delete_users", "_selected_action": [user.pk]})
    assert not User.objects.filter(pk=user.pk).exists()
    deleted = User.all_objects.get(pk=user.pk)
    assert deleted.is_deleted and deleted.deleted_at and not deleted.is_active

    admin_client.post(url, {"action": "restore_users", "_selected_action": [user.pk]})
    restored = User.objects.get(pk=user.pk)
    assert not restored.is_deleted and restored.deleted_at is None and restored.is_active


def test_soft_deleted_user_cannot_log_in(client, user):
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    client.logout()
    User.all_objects.filter(pk=user.pk).update(
        is_deleted=True, deleted_at="2026-01-01T00:00:00Z", is_active=False
    )
    assert not client.login(username=user.username, password=DEFAULT_PASSWORD)


def test_add_user_through_admin(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "usable_password": "true",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = User.objects.get(username="newcomer")
    assert created.password.startswith("md5$") or created.check_password(
        "a-long-and-unusual-passphrase"
    )


def test_admin_refuses_duplicate_email_in_other_case(admin_client, user):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "copycat",
            "email": user.email.upper(),
            "usable_password": "true",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not User.all_objects.filter(username="copycat").exists()


def test_non_staff_cannot_open_the_admin(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize(
    "model",
    ["role", "userrole", "userpreference", "apikey", "usersession", "passwordresettoken"],
)
def test_new_changelists_and_searches_render(admin_client, user, model):
    from accounts import services

    services.api_key_create(user=user, key_name="ci")
    services.password_reset_token_issue(user=user)
    admin_client.get("/api/v1/me/")
    url = reverse(f"admin:accounts_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "x"}).status_code == 200


def test_user_change_page_shows_roles_sessions_keys_and_no_secrets(admin_client, user):
    from accounts import services

    _, key = services.api_key_create(user=user, key_name="laptop-key")
    response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert response.status_code == 200
    assert b"laptop-key" in response.content
    assert key.encode() not in response.content
    assert b"openai_api_key" not in response.content


def test_api_key_revoke_action_and_no_secret_on_the_change_page(admin_client, user):
    from accounts import services
    from accounts.models import ApiKey

    api_key, key = services.api_key_create(user=user, key_name="ci")
    page = admin_client.get(reverse("admin:accounts_apikey_change", args=[api_key.pk]))
    assert page.status_code == 200
    assert api_key.key_hash.encode() not in page.content and key.encode() not in page.content
    admin_client.post(
        reverse("admin:accounts_apikey_changelist"),
        {"action": "revoke_keys", "_selected_action": [api_key.pk]},
    )
    api_key = ApiKey.objects.get(pk=api_key.pk)
    assert not api_key.is_active and api_key.revoked_at


def test_session_revoke_action_signs_the_session_out(admin_client, user):
    from django.test import Client

    from accounts.models import UserSession

    victim = Client()
    victim.post("/accounts/login/", {"login": user.username, "password": DEFAULT_PASSWORD})
    assert victim.get("/api/v1/me/").status_code == 200
    session = UserSession.objects.get(user=user)
    admin_client.post(
        reverse("admin:accounts_usersession_changelist"),
        {"action": "revoke_sessions", "_selected_action": [session.pk]},
    )
    session.refresh_from_db()
    assert session.revocation_reason == "revoked_by_staff"
    assert victim.get("/api/v1/me/").status_code == 401


def test_system_roles_cannot_be_deleted_in_the_admin(admin_client):
    from accounts.models import Role

    role = Role.objects.get(name="admin")
    response = admin_client.get(reverse("admin:accounts_role_delete", args=[role.pk]))
    assert response.status_code == 403
    admin_client.post(
        reverse("admin:accounts_role_changelist"),
        {"action": "delete_selected", "_selected_action": [role.pk], "post": "yes"},
    )
    assert Role.objects.filter(name="admin").exists()


def test_assigning_a_role_in_the_admin_records_who_did_it(admin_client, staff_user, user):
    from accounts.models import Role, UserRole

    viewer = Role.objects.get(name="viewer")
    response = admin_client.post(
        reverse("admin:accounts_userrole_add"), {"user": user.pk, "role": viewer.pk}
    )
    assert response.status_code == 302
    assigned = UserRole.objects.get(user=user, role=viewer)
    assert assigned.assigned_by == staff_user
    admin_client.post(
        reverse("admin:accounts_userrole_changelist"),
        {"action": "delete_selected", "_selected_action": [assigned.pk], "post": "yes"},
    )
    assert not UserRole.objects.filter(user=user, role=viewer).exists()


def change_form_data(response, **changes):
    """The POST body of an admin change form as rendered (inline management forms
    included), with `changes` applied."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    data.update(changes)
    return data


def test_accounts_admins_write_through_services_or_are_read_only(admin_client, staff_user):
    from django.contrib import admin
    from django.test import RequestFactory

    from core.admin import ServiceAdmin

    request = RequestFactory().get("/admin/")
    request.user = staff_user
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "accounts":
            continue
        checked += 1
        for inline in model_admin.get_inline_instances(request, None) + [
            inline_class(model, admin.site) for inline_class in model_admin.inlines
        ]:
            assert not inline.has_add_permission(request, None), inline
            assert not inline.has_change_permission(request, None), inline
            assert not inline.has_delete_permission(request, None), inline
        can = {
            "service_create": model_admin.has_add_permission(request),
            "service_update": model_admin.has_change_permission(request),
            "service_delete": model_admin.has_delete_permission(request),
        }
        if not any(can.values()):
            continue
        assert isinstance(model_admin, ServiceAdmin), model
        for hook, permitted in can.items():
            assert not permitted or getattr(type(model_admin), hook, None), (model, hook)
        for name in ("save_model", "delete_model", "delete_queryset"):
            assert getattr(type(model_admin), name) is getattr(ServiceAdmin, name), (model, name)
    assert checked >= 8


def test_changing_a_user_in_the_admin_goes_through_the_update_service(admin_client, user):
    User.all_objects.filter(pk=user.pk).update(email_verified=True)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    page = admin_client.get(url)
    response = admin_client.post(
        url, change_form_data(page, email="renamed@example.com", display_name="Renamed")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.email, user.display_name) == ("renamed@example.com", "Renamed")
    # The service's rule: a new address is unverified until confirmed again.
    assert not user.email_verified


def test_the_delete_button_soft_deletes_a_user(admin_client, user):
    url = reverse("admin:accounts_user_delete", args=[user.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    deleted = User.all_objects.get(pk=user.pk)
    assert deleted.is_deleted and deleted.deleted_at and not deleted.is_active


def test_delete_selected_soft_deletes_users(admin_client, user):
    admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [user.pk], "post": "yes"},
    )
    assert User.all_objects.get(pk=user.pk).is_deleted


def test_changing_a_password_in_the_admin(admin_client, user):
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = admin_client.post(
        url,
        {
            "password1": "another-long-passphrase-91",
            "password2": "another-long-passphrase-91",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-passphrase-91")


def test_roles_are_created_changed_and_deleted_through_the_admin(admin_client):
    from django.contrib.auth.models import Permission

    from accounts.models import Role

    permission = Permission.objects.get(codename="view_role")
    response = admin_client.post(
        reverse("admin:accounts_role_add"),
        {
            "name": "auditor",
            "description": "Reads",
            "is_active": "on",
            "permissions": [permission.pk],
        },
    )
    assert response.status_code == 302
    role = Role.objects.get(name="auditor")
    assert list(role.permissions.all()) == [permission]
    url = reverse("admin:accounts_role_change", args=[role.pk])
    page = admin_client.get(url)
    admin_client.post(url, change_form_data(page, description="Reads everything"))
    role.refresh_from_db()
    assert role.description == "Reads everything"
    admin_client.post(reverse("admin:accounts_role_delete", args=[role.pk]), {"post": "yes"})
    assert not Role.objects.filter(name="auditor").exists()


def test_a_preference_value_is_changed_in_the_admin(admin_client, user):
    from accounts import services

    preference = services.user_preference_create(user=user, preference_key="ui", value={"a": 1})
    url = reverse("admin:accounts_userpreference_change", args=[preference.pk])
    page = admin_client.get(url)
    response = admin_client.post(url, change_form_data(page, preference_value='{"a": 2}'))
    assert response.status_code == 302
    preference.refresh_from_db()
    assert preference.preference_value == {"a": 2}


def test_settings_and_api_keys_are_changed_through_the_admin(admin_client, user):
    from accounts import services
    from accounts.models import ApiKey, UserSettings

    settings_url = reverse("admin:accounts_usersettings_change", args=[user.settings.pk])
    page = admin_client.get(settings_url)
    assert b"openai_api_key" not in page.content
    data = change_form_data(page, idle_timeout="600")
    data.pop("tracking_enabled", None)
    assert admin_client.post(settings_url, data).status_code == 302
    stored = UserSettings.objects.get(pk=user.settings.pk)
    assert (stored.idle_timeout, stored.tracking_enabled) == (600, False)

    api_key, _ = services.api_key_create(user=user, key_name="ci")
    key_url = reverse("admin:accounts_apikey_change", args=[api_key.pk])
    page = admin_client.get(key_url)
    assert admin_client.post(key_url, change_form_data(page, key_name="deploy")).status_code == 302
    assert ApiKey.objects.get(pk=api_key.pk).key_name == "deploy"
    # Keys are revoked (an action), never deleted.
    delete_url = reverse("admin:accounts_apikey_delete", args=[api_key.pk])
    assert admin_client.get(delete_url).status_code == 403
