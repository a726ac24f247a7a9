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
