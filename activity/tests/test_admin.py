"""The staff console writes through the services: derived fields and audit rows as in the API."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from activity.models import (
    Activity,
    ClassificationRule,
    FocusSession,
    Screenshot,
    UserActivity,
    WorkSession,
)
from activity.tests.factories import (
    ActivityFactory,
    CalendarEventFactory,
    ClassificationRuleFactory,
    FocusSessionFactory,
    GoalFactory,
    IdleSessionFactory,
    IntegrationFactory,
    UserActivityFactory,
    WorkSessionFactory,
)
from auditing.models import AuditLog

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def admin_client(staff_user):
    assert staff_user.is_superuser
    client = Client()
    client.force_login(staff_user)
    return client


def split(name: str, value: datetime) -> dict[str, str]:
    """A datetime as the admin's split date and time inputs (in the current time zone)."""
    local = timezone.localtime(value)
    return {f"{name}_0": f"{local:%Y-%m-%d}", f"{name}_1": f"{local:%H:%M:%S}"}


def activity_form(activity: Activity, **changes) -> dict[str, str]:
    values = {
        "user": str(activity.user_id),  # read-only here; a plain ModelAdmin would need it
        "app_name": activity.app_name,
        "window_title": activity.window_title,
        "url": activity.url,
        "category": activity.category,
        "is_productive": "unknown",
        **split("start_time", activity.start_time),
        **split("end_time", activity.end_time),
    }
    return values | changes


def audit_rows(action: str, pk) -> list[AuditLog]:
    return [
        row
        for row in AuditLog.objects.filter(entity_type="activity.activity", action=action)
        if str(pk) in row.metadata.get("ids", [])
    ]


class TestActivityAdmin:
    def test_an_edit_derives_duration_and_is_audited(self, admin_client, staff_user, user):
        activity = ActivityFactory(
            user=user, start_time=T0, end_time=T0 + timedelta(minutes=30), duration=1800
        )
        path = f"/admin/activity/activity/{activity.pk}/change/"
        assert admin_client.get(path).status_code == 200
        response = admin_client.post(
            path, activity_form(activity, **split("end_time", T0 + timedelta(hours=1)))
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        activity.refresh_from_db()
        assert activity.end_time == T0 + timedelta(hours=1)
        assert activity.duration == 3600
        [row] = audit_rows("bulk_update", activity.pk)
        assert row.metadata["fields"] == ["end_time"]
        assert row.user_id == staff_user.pk

    def test_an_end_before_the_start_is_refused(self, admin_client, user):
        activity = ActivityFactory(user=user, start_time=T0, end_time=T0 + timedelta(minutes=5))
        response = admin_client.post(
            f"/admin/activity/activity/{activity.pk}/change/",
            activity_form(activity, **split("end_time", T0 - timedelta(hours=1))),
        )
        assert response.status_code == 200
        assert "end_time must not be before start_time." in response.content.decode()
        activity.refresh_from_db()
        assert activity.end_time == T0 + timedelta(minutes=5)
        assert not audit_rows("bulk_update", activity.pk)

    def test_a_delete_is_audited(self, admin_client, staff_user, user):
        activity = ActivityFactory(user=user)
        response = admin_client.post(
            f"/admin/activity/activity/{activity.pk}/delete/", {"post": "yes"}
        )
        assert response.status_code == 302
        assert not Activity.objects.filter(pk=activity.pk).exists()
        [row] = audit_rows("bulk_delete", activity.pk)
        assert row.user_id == staff_user.pk

    def test_activities_are_not_added_by_hand(self, admin_client):
        assert admin_client.get("/admin/activity/activity/add/").status_code == 403


class TestOtherAdmins:
    def test_every_page_renders(self, admin_client, user):
        objects = {
            "activity": ActivityFactory(user=user),
            "classificationrule": ClassificationRuleFactory(user=user),
            "idlesession": IdleSessionFactory(user=user),
            "useractivity": UserActivityFactory(user=user),
            "focussession": FocusSessionFactory(user=user),
            "worksession": WorkSessionFactory(user=user),
            "goal": GoalFactory(user=user),
            "screenshot": Screenshot.objects.create(
                user=user, file_path="screenshots/x.png", width=1, height=1, file_size=1
            ),
            "integration": IntegrationFactory(user=user),
            "calendarevent": CalendarEventFactory(user=user),
        }
        can_add = {"classificationrule", "idlesession", "focussession", "worksession", "goal"}
        can_add |= {"integration", "calendarevent"}
        for name, obj in objects.items():
            base = f"/admin/activity/{name}/"
            assert admin_client.get(f"{base}{obj.pk}/change/").status_code == 200, name
            assert admin_client.get(f"{base}add/").status_code == (
                200 if name in can_add else 403
            ), name

    def test_user_activities_are_read_only(self, admin_client, user):
        event = UserActivityFactory(user=user)
        path = f"/admin/activity/useractivity/{event.pk}/"
        assert admin_client.post(f"{path}delete/", {"post": "yes"}).status_code == 403
        assert UserActivity.objects.filter(pk=event.pk).exists()

    def test_a_global_rule_is_created_through_the_service(self, admin_client, staff_user):
        response = admin_client.post(
            "/admin/activity/classificationrule/add/",
            {
                "app_name": "",
                "window_title_pattern": "",
                "url_pattern": r"(a)\1",
                "category": "x",
                "is_productive": "on",
                "priority": "0",
                "is_active": "on",
            },
        )
        assert response.status_code == 200  # the form again: not an RE2 pattern
        assert not ClassificationRule.objects.filter(category="x").exists()
        response = admin_client.post(
            "/admin/activity/classificationrule/add/",
            {"url_pattern": r"^https://news\.", "category": "news", "priority": "0"},
        )
        assert response.status_code == 302
        rule = ClassificationRule.objects.get(category="news")
        assert rule.user_id is None and rule.is_productive is False
        assert AuditLog.objects.filter(
            entity_type="activity.classificationrule", entity_id=str(rule.pk), action="create"
        ).exists()

    def test_a_work_session_edit_derives_duration(self, admin_client, user):
        session = WorkSessionFactory(
            user=user, started_at=T0, ended_at=T0 + timedelta(hours=1), duration=3600
        )
        response = admin_client.post(
            f"/admin/activity/worksession/{session.pk}/change/",
            {
                "user": str(user.pk),
                "title": session.title,
                "description": "",
                "project": session.project,
                "tags": "[]",
                **split("started_at", T0),
                **split("ended_at", T0 + timedelta(hours=2)),
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        session.refresh_from_db()
        assert session.duration == 7200

    def test_a_second_open_focus_session_is_refused_with_a_message(self, admin_client, user):
        FocusSessionFactory(user=user, status=FocusSession.Status.ACTIVE)
        response = admin_client.post(
            "/admin/activity/focussession/add/",
            {
                "user": str(user.pk),
                "title": "Again",
                "duration_minutes": "25",
                "blocked_apps": "[]",
                "blocked_websites": "[]",
            },
            follow=True,
        )
        assert "already have an active focus session" in response.content.decode()
        assert FocusSession.objects.filter(user=user).count() == 1

    def test_actions_go_through_the_services(self, admin_client, user):
        running = WorkSessionFactory(user=user, ended_at=None, duration=None)
        response = admin_client.post(
            "/admin/activity/worksession/",
            {"action": "stop", "_selected_action": [str(running.pk)]},
            follow=True,
        )
        assert "1 timers stopped." in response.content.decode()
        running.refresh_from_db()
        assert running.ended_at is not None and running.duration is not None
        assert WorkSession.objects.filter(ended_at__isnull=True).count() == 0
