"""Generated contract tests for every activity resource."""

import io
from datetime import timedelta

from django.utils import timezone
from PIL import Image

from accounts.selectors import user_settings_get
from activity.models import (
    Activity,
    CalendarEvent,
    ClassificationRule,
    FocusSession,
    Goal,
    IdleSession,
    Integration,
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
from tests.api_cases import APIResourceCases


def png_bytes(size=(64, 48), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


class TestActivityAPI(APIResourceCases):
    base_path = "/api/v1/activities/"
    model = Activity
    update_data = {"category": "reading", "is_productive": False}
    invalid_update_data = {"start_time": "not a time"}
    invalid_create_data = {"app_name": "", "start_time": "yesterday"}
    max_queries = 4
    audit = "batch"  # telemetry: one summary row per batch, even a batch of one

    def make_object(self, user):
        return ActivityFactory(user=user)

    def create_data(self, user):
        return {
            "app_name": "Code",
            "start_time": "2026-01-05T09:00:00Z",
            "end_time": "2026-01-05T09:30:00Z",
        }


class TestClassificationRuleAPI(APIResourceCases):
    base_path = "/api/v1/classification-rules/"
    model = ClassificationRule
    update_data = {"category": "deep work", "priority": 7}
    invalid_update_data = {"url_pattern": "(a)\\1"}
    invalid_create_data = {"app_name": "x", "category": "", "is_productive": "maybe"}

    def make_object(self, user):
        return ClassificationRuleFactory(user=user)

    def create_data(self, user):
        return {"app_name": "Vim", "category": "development", "is_productive": True}


class TestIdleSessionAPI(APIResourceCases):
    base_path = "/api/v1/idle-sessions/"
    model = IdleSession
    update_data = {"session_name": "Evening"}
    invalid_update_data = {"session_name": "x" * 300}
    invalid_create_data = {"session_name": "x" * 300}

    def make_object(self, user):
        return IdleSessionFactory(user=user)

    def create_data(self, user):
        return {"session_name": "Reading", "session_config": {"goal": 30}}


class TestUserActivityAPI(APIResourceCases):
    base_path = "/api/v1/user-activities/"
    model = UserActivity
    actions = {"list", "retrieve", "create"}
    invalid_create_data = {"activity_type": "click"}
    audit = "batch"

    def make_object(self, user):
        return UserActivityFactory(user=user)

    def create_data(self, user):
        session = IdleSessionFactory(user=user)
        return {"session": str(session.pk), "activity_type": "scroll", "activity_data": {"y": 3}}


class TestFocusSessionAPI(APIResourceCases):
    base_path = "/api/v1/focus-sessions/"
    model = FocusSession
    update_data = {"title": "Writing"}
    invalid_update_data = {"duration_minutes": 0}
    invalid_create_data = {"duration_minutes": -5}

    def make_object(self, user):
        return FocusSessionFactory(user=user)

    def create_data(self, user):
        return {"title": "Deep work", "duration_minutes": 25, "blocked_apps": ["Slack"]}


class TestWorkSessionAPI(APIResourceCases):
    base_path = "/api/v1/work-sessions/"
    model = WorkSession
    update_data = {"project": "billing", "is_billable": True}
    invalid_update_data = {"ended_at": "2000-01-01T00:00:00Z"}
    invalid_create_data = {"started_at": "2026-01-02T10:00:00Z", "ended_at": "2026-01-02T09:00:00Z"}

    def make_object(self, user):
        return WorkSessionFactory(user=user)

    def create_data(self, user):
        return {"title": "Invoices", "project": "billing", "tags": ["admin"], "is_billable": True}


class TestGoalAPI(APIResourceCases):
    base_path = "/api/v1/goals/"
    model = Goal
    update_data = {"target_hours": 5.5, "is_active": False}
    invalid_update_data = {"target_hours": 30}
    invalid_create_data = {"name": "Bad", "type": "weekly_nonsense", "target_hours": 2}

    def make_object(self, user):
        return GoalFactory(user=user)

    def create_data(self, user):
        return {"name": "Deep work", "type": "daily_productive", "target_hours": 4}


class TestScreenshotAPI(APIResourceCases):
    base_path = "/api/v1/screenshots/"
    model = Screenshot
    update_data = {"app_name": "Figma"}
    invalid_create_data = {"app_name": "no image"}

    def make_object(self, user):
        return Screenshot.objects.create(
            user=user, file_path="screenshots/x.png", width=1, height=1, file_size=1
        )

    def create_data(self, user):
        settings = user_settings_get(user=user)
        settings.screenshots_enabled = True
        settings.save()
        from django.core.files.uploadedfile import SimpleUploadedFile

        return {"image": SimpleUploadedFile("s.png", png_bytes(), "image/png"), "app_name": "Code"}

    def test_create(self, user):
        response = self.client_for(user).post(
            self.list_path(), self.create_data(user), format="multipart"
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["width"], body["height"]) == (64, 48)
        assert body["file_size"] > 0 and body["thumbnail_url"]


class TestIntegrationAPI(APIResourceCases):
    base_path = "/api/v1/integrations/"
    model = Integration
    update_data = {"provider_user_id": "octocat", "is_active": False}
    invalid_update_data = {"provider": ""}
    invalid_create_data = {"provider": ""}

    def make_object(self, user):
        return IntegrationFactory(user=user)

    def create_data(self, user):
        return {"provider": "github", "access_token": "gho_secret", "refresh_token": "r"}


class TestCalendarEventAPI(APIResourceCases):
    base_path = "/api/v1/calendar-events/"
    model = CalendarEvent
    update_data = {"title": "Planning"}
    invalid_update_data = {"end_time": "2000-01-01T00:00:00Z"}
    invalid_create_data = {"external_id": "e1", "start_time": "2026-01-01T10:00:00Z"}

    def make_object(self, user):
        return CalendarEventFactory(user=user)

    def create_data(self, user):
        integration = IntegrationFactory(user=user, provider="google")
        start = timezone.now() + timedelta(days=1)
        return {
            "integration": str(integration.pk),
            "external_id": "abc",
            "title": "1:1",
            "start_time": start.isoformat(),
            "end_time": (start + timedelta(minutes=30)).isoformat(),
            "attendees": [{"email": "someone@else.com"}],
        }
