"""Every change by any path is recorded once, in its transaction, with actor, IP and diff."""

import threading

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User, UserSettings
from accounts.tests.factories import UserFactory
from auditing.changes import MASK, audited_models
from auditing.context import Source, audit_context
from auditing.models import AuditLog, SessionActivity, SessionAnalytics
from config.models import AppSetting

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-value-that-must-not-leak"


def mark() -> set:
    return set(AuditLog.objects.values_list("id", flat=True))


def rows_for(obj, action=None, *, since: set = frozenset()):
    rows = AuditLog.objects.filter(
        entity_type=obj._meta.label_lower, entity_id=str(obj.pk)
    ).exclude(id__in=since)
    return list(rows.filter(action=action) if action else rows)


def all_audit_text() -> str:
    return str(list(AuditLog.objects.values("old_values", "new_values", "metadata")))


# -- discovery ---------------------------------------------------------------------------


def test_every_model_of_our_apps_and_allauth_is_audited():
    # Everything of ours except the telemetry the settings name for per-batch recording.
    ours = [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"accounts", "activity", "social", "teams", "config"}
        and m._meta.label_lower not in settings.AUDIT_EXCLUDE_MODELS
    ]
    required = [*ours, User, SocialAccount, SocialToken, EmailAddress, Authenticator, Group]
    audited = set(audited_models())
    for model in required:
        assert model in audited, model
        assert post_save.has_listeners(model) and post_delete.has_listeners(model)
    assert m2m_changed.has_listeners(User.groups.through)


def test_telemetry_and_the_log_itself_are_opted_out():
    from django.contrib.sessions.models import Session

    for model in (AuditLog, SessionActivity, Session):
        assert model not in audited_models()


# -- through the API ---------------------------------------------------------------------


def test_api_update_is_recorded_once_with_actor_ip_agent_and_diff(user_client, user):
    before = mark()
    response = user_client.patch(
        "/api/v1/me/",
        {"bio": "New bio"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="pytest-agent",
        HTTP_X_REQUEST_ID="req-123",
    )
    assert response.status_code == 200
    [row] = rows_for(user, "update", since=before)
    assert row.user_id == user.pk and row.actor_label == user.username
    assert (row.ip_address, row.user_agent, row.client_request_id, row.source) == (
        "203.0.113.9",
        "pytest-agent",
        "req-123",
        Source.API,
    )
    # The request id is the server's own, echoed back; the client's is kept beside it.
    assert row.request_id == response.headers["X-Request-ID"] != "req-123"
    assert row.old_values["bio"] == "" and row.new_values["bio"] == "New bio"
    assert "username" not in row.new_values


def test_api_create_and_delete_are_recorded_with_snapshots(staff_client, staff_user):
    response = staff_client.post(
        "/api/v1/app-settings/", {"setting_key": "x.y", "setting_value": {"a": 1}}, format="json"
    )
    setting = AppSetting.objects.get(pk=response.json()["id"])
    [created] = rows_for(setting, "create")
    assert created.new_values["setting_key"] == "x.y" and created.old_values is None
    assert staff_client.delete(f"/api/v1/app-settings/{setting.pk}/").status_code == 204
    [deleted] = rows_for(setting, "delete")
    assert deleted.old_values["setting_value"] == {"a": 1}
    assert deleted.user_id == staff_user.pk


def test_a_failed_request_records_nothing(user_client, user):
    before = AuditLog.objects.count()
    response = user_client.patch("/api/v1/me/", {"email": "not-an-email"})
    assert response.status_code == 400
    assert AuditLog.objects.count() == before


def test_an_error_raised_after_the_write_rolls_the_audit_row_back(user):
    before = AuditLog.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        UserSettings.objects.filter(user=user).get().delete()
        raise RuntimeError("boom")
    assert AuditLog.objects.count() == before


def test_updates_that_change_nothing_write_nothing(user):
    before = AuditLog.objects.count()
    user.save()
    user.settings.save()
    assert AuditLog.objects.count() == before


def test_deferred_fields_are_not_loaded_or_reported(user):
    before = mark()
    partial = User.objects.only("id", "bio").get(pk=user.pk)
    partial.bio = "changed"
    partial.save()
    [row] = rows_for(user, "update", since=before)
    assert row.new_values == {"bio": "changed"}


# -- through the admin -------------------------------------------------------------------


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_admin_add_change_delete_are_recorded_as_admin(admin_client, staff_user):
    add = reverse("admin:config_appsetting_add")
    response = admin_client.post(
        add,
        {"setting_key": "admin.made", "setting_value": '{"x": 1}', "category": "ui"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302, response.content
    setting = AppSetting.objects.get(setting_key="admin.made")
    change = reverse("admin:config_appsetting_change", args=[setting.pk])
    admin_client.post(
        change,
        {"setting_key": "admin.made", "setting_value": '{"x": 2}', "category": "ui"},
    )
    admin_client.post(reverse("admin:config_appsetting_delete", args=[setting.pk]), {"post": "yes"})
    rows = {row.action: row for row in rows_for(setting)}
    assert set(rows) == {"create", "update", "delete"}
    assert all(r.user_id == staff_user.pk and r.source == Source.ADMIN for r in rows.values())
    assert rows["create"].ip_address == "198.51.100.7"
    assert rows["update"].old_values == {"setting_value": {"x": 1}}
    assert rows["update"].new_values["setting_value"] == {"x": 2}


def test_m2m_changes_through_the_admin_and_shell_are_recorded_once(admin_client, user):
    group = Group.objects.create(name="editors")
    user.groups.add(group)
    [added] = rows_for(user, "m2m_add")
    assert added.new_values == {"groups": [str(group.pk)]}
    user.groups.add(group)  # already there: nothing changes, nothing is written
    assert len(rows_for(user, "m2m_add")) == 1
    group.user_set.remove(user)
    [removed] = rows_for(group, "m2m_remove")
    assert removed.old_values == {"user": [str(user.pk)]}
    user.groups.add(group)
    user.groups.clear()
    [cleared] = rows_for(user, "m2m_clear")
    assert cleared.old_values == {"groups": [str(group.pk)]}


# -- through the shell and commands ------------------------------------------------------


def test_shell_changes_carry_the_cli_context(staff_user, user):
    before = mark()
    with audit_context(user=staff_user, source=Source.CLI):
        user.display_name = "Renamed in shell"
        user.save()
    [row] = rows_for(user, "update", since=before)
    assert (row.user_id, row.source) == (staff_user.pk, Source.CLI)
    assert row.request_id


def test_a_command_without_context_is_recorded_as_system():
    call_command("createsuperuser", "--noinput", username="root", email="root@example.com")
    root = User.objects.get(username="root")
    [row] = rows_for(root, "create")
    assert row.user_id is None and row.source == Source.SYSTEM


# -- secrets -----------------------------------------------------------------------------


def test_secrets_never_reach_the_audit_log(user):
    before = mark()
    user.set_password(SECRET)
    user.save()
    [row] = rows_for(user, "update", since=before)
    assert row.new_values["password"] == MASK
    app = SocialApp.objects.create(provider="github", name="GitHub", client_id="id", secret=SECRET)
    account = SocialAccount.objects.create(
        user=user, provider="github", uid="42", extra_data={"access_token": SECRET, "login": "me"}
    )
    SocialToken.objects.create(app=app, account=account, token=SECRET, token_secret=SECRET)
    Authenticator.objects.create(user=user, type="totp", data={"secret": SECRET})
    token = SocialToken.objects.get(account=account)
    token.token = SECRET + "-rotated"
    token.save()
    assert rows_for(token, "update")[0].new_values == {"token": MASK}
    [created] = rows_for(account, "create")
    assert created.new_values["extra_data"] == {"access_token": MASK, "login": "me"}
    account.delete()  # cascades to the token: both snapshots are masked too
    assert SECRET not in all_audit_text()


# -- immutability ------------------------------------------------------------------------


def test_the_admin_cannot_add_change_or_delete_audit_rows(admin_client, user):
    row = AuditLog.objects.filter(entity_type="accounts.user").first()
    assert admin_client.get(reverse("admin:auditing_auditlog_add")).status_code == 403
    change = reverse("admin:auditing_auditlog_change", args=[row.pk])
    assert admin_client.get(change).status_code == 200  # view-only
    assert admin_client.post(change, {"action": "forged"}).status_code == 403
    delete = reverse("admin:auditing_auditlog_delete", args=[row.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:auditing_auditlog_changelist")
    admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [row.pk]})
    row_after = AuditLog.objects.get(pk=row.pk)
    assert row_after.action == row.action


def test_the_orm_refuses_to_change_or_delete_audit_rows(user):
    from auditing.models import ImmutableAuditLogError

    row = AuditLog.objects.first()
    row.action = "forged"
    with pytest.raises(ImmutableAuditLogError):
        row.save()
    with pytest.raises(ImmutableAuditLogError):
        row.delete()
    with pytest.raises(ImmutableAuditLogError):
        AuditLog.objects.filter(pk=row.pk).update(action="forged")
    with pytest.raises(ImmutableAuditLogError):
        AuditLog.objects.all().delete()


def test_deleting_a_user_keeps_their_audit_rows_and_name(staff_user):
    victim = UserFactory(username="leaving")
    with audit_context(user=victim):
        AppSetting.objects.create(setting_key="by.victim")
    victim.delete()
    row = AuditLog.objects.get(entity_type="config.appsetting", action="create")
    assert row.actor_label == "leaving"


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_in_sql(user):
    with transaction.atomic(), connection.cursor() as cursor:
        with pytest.raises(Exception, match="immutable"), transaction.atomic():
            cursor.execute("UPDATE audit_logs SET action = 'forged'")
        with pytest.raises(Exception, match="immutable"), transaction.atomic():
            cursor.execute("DELETE FROM audit_logs")
    assert AuditLog.objects.exclude(action="forged").count() == AuditLog.objects.count() > 0


def _backdate(row: AuditLog, days: int) -> None:
    """Test-only: move a row into the past, going around the trigger on PostgreSQL."""
    from datetime import timedelta

    from django.utils import timezone

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE audit_logs SET created_at = %s WHERE id = %s",
            [
                timezone.now() - timedelta(days=days),
                row.pk.hex if connection.vendor == "sqlite" else row.pk,
            ],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_prune_command_deletes_old_rows_and_records_it(user):
    from io import StringIO

    old, kept = AuditLog.objects.all()[:2]
    _backdate(old, 400)
    out = StringIO()
    call_command("prune_audit_logs", "--days", "365", stdout=out)
    assert not AuditLog.objects.filter(pk=old.pk).exists()
    assert AuditLog.objects.filter(pk=kept.pk).exists()
    prune = AuditLog.objects.get(action="audit_prune")
    assert prune.metadata["deleted"] == 1 and prune.source == Source.CLI
    assert "Deleted 1" in out.getvalue()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with pytest.raises(Exception, match="immutable"), transaction.atomic():
                cursor.execute("DELETE FROM audit_logs")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_prune_opens_the_trigger_only_for_its_own_transaction():
    from io import StringIO

    UserFactory()
    total = AuditLog.objects.count()
    call_command("prune_audit_logs", "--days", "1", stdout=StringIO())
    assert AuditLog.objects.filter(action="audit_prune").count() == 1
    assert AuditLog.objects.count() == total + 1  # nothing was old enough
    with connection.cursor() as cursor, pytest.raises(Exception, match="immutable"):
        cursor.execute("DELETE FROM audit_logs")


# -- transactions on PostgreSQL ----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_rollback_leaves_no_row_and_commit_always_has_one():
    user = UserFactory()
    before = mark()
    with pytest.raises(RuntimeError), transaction.atomic():
        user.bio = "rolled back"
        user.save()
        raise RuntimeError
    assert rows_for(user, since=before) == []

    def change():
        try:
            with transaction.atomic():
                fresh = User.objects.get(pk=user.pk)
                fresh.bio = "committed in a thread"
                fresh.save()
        finally:
            connection.close()

    thread = threading.Thread(target=change)
    thread.start()
    thread.join()
    [row] = rows_for(user, since=before)
    assert row.new_values == {"bio": "committed in a thread"}


def test_m2m_changes_through_the_admin_form_are_recorded(admin_client, staff_user):
    from django.contrib.auth.models import Permission

    group = Group.objects.create(name="moderators")
    perms = list(Permission.objects.order_by("pk")[:2])
    change = reverse("admin:auth_group_change", args=[group.pk])
    response = admin_client.post(
        change, {"name": "moderators", "permissions": [p.pk for p in perms]}
    )
    assert response.status_code == 302
    [added] = rows_for(group, "m2m_add")
    assert added.new_values == {"permissions": sorted(str(p.pk) for p in perms)}
    assert (added.user_id, added.source) == (staff_user.pk, Source.ADMIN)
    admin_client.post(change, {"name": "moderators", "permissions": [perms[0].pk]})
    [removed] = rows_for(group, "m2m_remove")
    assert removed.old_values == {"permissions": [str(perms[1].pk)]}


def test_headless_session_token_user_is_the_actor_and_keys_the_request_log(client, user):
    import hashlib

    from accounts.tests.factories import DEFAULT_PASSWORD

    login = client.post(
        "/_allauth/app/v1/auth/login",
        {"username": user.username, "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert login.status_code == 200, login.content
    token = login.json()["meta"]["session_token"]
    before = mark()
    api = APIClient()
    response = api.patch(
        "/api/v1/me/", {"bio": "via app"}, format="json", HTTP_X_SESSION_TOKEN=token
    )
    assert response.status_code == 200, response.content
    [row] = rows_for(user, "update", since=before)
    assert row.user_id == user.pk and row.source == Source.API
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert SessionActivity.objects.filter(session_id=digest, user=user).exists()
    assert SessionAnalytics.objects.filter(session_id=digest, user=user).exists()


def test_an_api_key_returned_by_authentication_is_recorded():
    import uuid

    from auditing.context import AuditContext

    class Request:
        auth = AppSetting(id=uuid.uuid4(), setting_key="stand.in.for.a.key")
        user = None

    context = AuditContext(request=Request())
    assert context.actor_api_key_id == Request.auth.pk
    assert AuditContext(request=type("R", (), {"auth": "token-string"})()).actor_api_key_id is None


def test_the_admin_filters_audit_rows_by_actor_and_source(admin_client, staff_user, user):
    with audit_context(user=staff_user, source=Source.CLI):
        AppSetting.objects.create(setting_key="by.staff")
    AppSetting.objects.create(setting_key="by.system")
    changelist = reverse("admin:auditing_auditlog_changelist")
    by_staff = admin_client.get(changelist, {"actor": str(staff_user.pk), "source": "cli"})
    assert {r.entity_type for r in by_staff.context["cl"].result_list} == {"config.appsetting"}
    system = admin_client.get(changelist, {"actor": "system", "entity_type": "config.appsetting"})
    [row] = system.context["cl"].result_list
    assert row.new_values["setting_key"] == "by.system"
