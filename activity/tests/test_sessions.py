"""State machines, goals, screenshots, integrations, calendar, retention, admin, demo."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from PIL import Image, ImageChops, ImageStat

from accounts.selectors import user_settings_get
from activity.models import (
    Activity,
    FocusSession,
    IdleSession,
    Integration,
    Screenshot,
    UserActivity,
    WorkSession,
)
from activity.tests.factories import (
    ActivityFactory,
    GoalFactory,
    IdleSessionFactory,
    IntegrationFactory,
    UserActivityFactory,
    WorkSessionFactory,
)
from activity.tests.test_api import png_bytes
from auditing.models import AuditLog
from social.models import Notification

pytestmark = pytest.mark.django_db


def set_settings(user, **values):
    settings = user_settings_get(user=user)
    for key, value in values.items():
        setattr(settings, key, value)
    settings.save()


class TestFocusSessions:
    base = "/api/v1/focus-sessions/"

    def start(self, client, **extra):
        return client.post(self.base, {"duration_minutes": 25, **extra}, format="json")

    def test_full_cycle_and_illegal_transitions(self, user, user_client):
        created = self.start(user_client, title="Write")
        assert created.status_code == 201 and created.json()["status"] == "active"
        path = f"{self.base}{created.json()['id']}/"
        assert self.start(user_client).status_code == 409
        assert user_client.post(f"{path}resume/").status_code == 409
        assert user_client.post(f"{path}pause/").json()["status"] == "paused"
        assert user_client.post(f"{path}pause/").status_code == 409
        assert user_client.post(f"{path}distraction/").status_code == 409
        assert self.start(user_client).status_code == 409
        assert user_client.post(f"{path}resume/").json()["status"] == "active"
        assert user_client.post(f"{path}distraction/").json()["distraction_count"] == 1
        done = user_client.post(f"{path}complete/")
        assert done.status_code == 200
        assert done.json()["status"] == "completed"
        assert done.json()["actual_duration"] is not None and done.json()["ended_at"]
        for verb in ("pause", "resume", "complete", "cancel", "distraction"):
            assert user_client.post(f"{path}{verb}/").status_code == 409
        notification = Notification.objects.get(user=user, type="focus_session_completed")
        assert notification.data["focus_session_id"] == created.json()["id"]
        assert self.start(user_client).status_code == 201

    def test_paused_time_is_not_counted(self, user, user_client):
        session = FocusSession.objects.create(
            user=user,
            duration_minutes=60,
            started_at=timezone.now() - timedelta(minutes=50),
            status="paused",
            paused_at=timezone.now() - timedelta(minutes=20),
        )
        body = user_client.post(f"{self.base}{session.pk}/cancel/").json()
        assert body["status"] == "cancelled"
        assert 29 * 60 <= body["actual_duration"] <= 31 * 60

    def test_other_users_session_is_404(self, other_user, user_client):
        session = FocusSession.objects.create(user=other_user, duration_minutes=5)
        assert user_client.post(f"{self.base}{session.pk}/complete/").status_code == 404


class TestIdleSessions:
    base = "/api/v1/idle-sessions/"

    def test_cycle_excludes_pauses(self, user, user_client):
        session = IdleSessionFactory(user=user, start_time=timezone.now() - timedelta(hours=1))
        path = f"{self.base}{session.pk}/"
        assert user_client.post(f"{path}resume/").status_code == 409
        assert user_client.post(f"{path}pause/").json()["status"] == "paused"
        IdleSession.objects.filter(pk=session.pk).update(
            paused_at=timezone.now() - timedelta(minutes=30)
        )
        assert user_client.post(f"{path}resume/").json()["status"] == "active"
        body = user_client.post(f"{path}complete/").json()
        assert body["status"] == "completed"
        assert 29 * 60 <= body["total_duration"] <= 31 * 60
        assert user_client.post(f"{path}complete/").status_code == 409
        assert user_client.post(f"{path}pause/").status_code == 409

    def test_refused_when_idle_tracking_off(self, user, user_client):
        set_settings(user, track_idle=False)
        assert user_client.post(self.base, {"session_name": "x"}).status_code == 403


class TestUserActivities:
    base = "/api/v1/user-activities/"

    def test_only_inside_own_sessions(self, user, other_user, user_client):
        foreign = IdleSessionFactory(user=other_user)
        response = user_client.post(self.base, {"session": str(foreign.pk), "activity_type": "x"})
        assert response.status_code == 400 and "session" in response.json()
        assert not UserActivity.objects.exists()

    def test_array_is_one_batch(self, user, user_client):
        session = IdleSessionFactory(user=user)
        body = [{"session": str(session.pk), "activity_type": "click"} for _ in range(3)]
        response = user_client.post(self.base, body, format="json")
        assert response.status_code == 201 and len(response.json()) == 3
        assert response.json()[0]["ip_address"] == "127.0.0.1"
        assert AuditLog.objects.filter(entity_type="activity.useractivity").count() == 1

    def test_list_newest_first(self, user, user_client):
        session = IdleSessionFactory(user=user)
        now = timezone.now()
        for minutes in (5, 1, 3):
            UserActivityFactory(
                user=user, session=session, occurred_at=now - timedelta(minutes=minutes)
            )
        times = [r["occurred_at"] for r in user_client.get(self.base).json()["results"]]
        assert times == sorted(times, reverse=True)


class TestWorkSessions:
    base = "/api/v1/work-sessions/"

    def test_one_running_timer_and_stop(self, user, user_client):
        first = user_client.post(self.base, {"title": "A"}, format="json")
        assert first.status_code == 201 and first.json()["is_running"]
        assert user_client.post(self.base, {"title": "B"}).status_code == 409
        logged = user_client.post(
            self.base,
            {"started_at": "2026-01-01T09:00:00Z", "ended_at": "2026-01-01T10:30:00Z"},
        )
        assert logged.status_code == 201 and logged.json()["duration"] == 5400
        path = f"{self.base}{first.json()['id']}/stop/"
        stopped = user_client.post(path)
        assert stopped.status_code == 200 and stopped.json()["ended_at"]
        assert stopped.json()["duration"] is not None
        assert user_client.post(path).status_code == 409

    def test_filters(self, user, user_client):
        WorkSessionFactory(user=user, project="a", tags=["x", "y"], is_billable=True)
        WorkSessionFactory(user=user, project="b", tags=["y"])
        ids = lambda q: len(user_client.get(f"{self.base}?{q}").json()["results"])  # noqa: E731
        assert ids("project=a") == 1
        assert ids("is_billable=true") == 1
        assert ids("tags=y") == 2
        assert ids("tags=x") == 1


class TestGoals:
    def test_progress_in_users_day(self, user, user_client):
        set_settings(user, time_zone="Asia/Tokyo")
        goal = GoalFactory(user=user, target_hours=2)
        day_start = datetime(2026, 3, 1, 15, tzinfo=UTC)  # 00:00 on 2 March in Tokyo
        ActivityFactory(user=user, start_time=day_start, is_productive=True, duration=3600)
        ActivityFactory(
            user=user, start_time=day_start, is_productive=True, is_afk=True, duration=99
        )
        ActivityFactory(user=user, start_time=day_start, is_productive=False, duration=1800)
        ActivityFactory(
            user=user, start_time=day_start - timedelta(minutes=1), is_productive=True, duration=60
        )
        body = user_client.get(f"/api/v1/goals/{goal.pk}/progress/?date=2026-03-02").json()
        assert body["date"] == "2026-03-02"
        assert (body["target_hours"], body["achieved_hours"], body["percent"]) == (2, 1.0, 50.0)
        ceiling = GoalFactory(user=user, type="daily_distraction", target_hours=1)
        body = user_client.get(f"/api/v1/goals/{ceiling.pk}/progress/?date=2026-03-02").json()
        assert body["achieved_hours"] == 0.5 and body["met"] is True
        bad = user_client.get(f"/api/v1/goals/{goal.pk}/progress/?date=tomorrow")
        assert bad.status_code == 400


class TestScreenshots:
    base = "/api/v1/screenshots/"

    def upload(self, client, content=None, name="s.png"):
        image = SimpleUploadedFile(name, content or png_bytes(), "image/png")
        return client.post(self.base, {"image": image, "app_name": "Code"}, format="multipart")

    @pytest.mark.parametrize(
        "setting",
        [{"screenshots_enabled": False}, {"incognito_mode": True}, {"tracking_enabled": False}],
    )
    def test_refused_while_off(self, user, user_client, setting):
        set_settings(user, screenshots_enabled=True)
        set_settings(user, **setting)
        assert self.upload(user_client).status_code == 403
        assert not Screenshot.objects.exists()

    def test_rejects_non_images_and_bombs(self, user, user_client, settings):
        set_settings(user, screenshots_enabled=True)
        assert self.upload(user_client, b"not an image at all").status_code == 400
        settings.ACTIVITY_SCREENSHOT_MAX_PIXELS = 1000
        response = self.upload(user_client, png_bytes(size=(100, 100)))
        assert response.status_code == 400 and "image" in response.json()
        settings.ACTIVITY_SCREENSHOT_MAX_BYTES = 10
        assert self.upload(user_client).status_code == 400
        assert not Screenshot.objects.exists()

    def test_blur_smooths_the_stored_pixels(self, user, user_client):
        # A checkerboard of 4-pixel squares: all edges, the highest contrast there is.
        original = Image.new("L", (800, 600))
        original.putdata([255 * ((x // 4 + y // 4) % 2) for y in range(600) for x in range(800)])
        original = original.convert("RGB")
        content = io.BytesIO()
        original.save(content, format="PNG")

        def stored(blur: bool) -> Image.Image:
            set_settings(user, screenshots_enabled=True, blur_screenshots=blur)
            response = self.upload(user_client, content.getvalue())
            assert response.status_code == 201, response.content
            shot = Screenshot.objects.get(pk=response.json()["id"])
            assert shot.is_blurred is blur
            with default_storage.open(shot.file_path.name) as file:
                image = Image.open(file)
                image.load()
            return image.convert("RGB")

        def contrast(image: Image.Image) -> float:
            return ImageStat.Stat(image.convert("L")).stddev[0]

        assert ImageChops.difference(stored(blur=False), original).getbbox() is None
        assert contrast(stored(blur=True)) < contrast(original) / 10

    def test_thumbnail_and_files_deleted_with_row(
        self, user, user_client, django_capture_on_commit_callbacks
    ):
        set_settings(user, screenshots_enabled=True)
        response = self.upload(user_client, png_bytes(size=(800, 600)))
        assert response.status_code == 201
        shot = Screenshot.objects.get()
        assert (shot.width, shot.height) == (800, 600)
        with default_storage.open(shot.thumbnail_url.name) as thumb:
            assert max(Image.open(thumb).size) <= 320
        names = [shot.file_path.name, shot.thumbnail_url.name]
        assert all(default_storage.exists(name) for name in names)
        with django_capture_on_commit_callbacks(execute=True):
            assert user_client.delete(f"{self.base}{shot.pk}/").status_code == 204
        assert not any(default_storage.exists(name) for name in names)


class TestIntegrationsAndCalendar:
    def test_tokens_are_write_only_and_encrypted(self, user, user_client):
        response = user_client.post(
            "/api/v1/integrations/", {"provider": "GitHub", "access_token": "gho_topsecret"}
        )
        assert response.status_code == 201
        body = response.json()
        assert "access_token" not in body and body["has_access_token"] is True
        assert body["provider"] == "github"
        with connection.cursor() as cursor:
            cursor.execute("SELECT access_token FROM integrations")
            raw = cursor.fetchone()[0]
        assert "gho_topsecret" not in raw
        assert Integration.objects.get().access_token == "gho_topsecret"
        again = user_client.post("/api/v1/integrations/", {"provider": "github"})
        assert again.status_code == 400

    def test_event_needs_own_integration_and_detects_meetings(self, user, other_user, user_client):
        foreign = IntegrationFactory(user=other_user)
        own = IntegrationFactory(user=user)
        body = {
            "external_id": "e1",
            "start_time": "2026-04-01T10:00:00Z",
            "end_time": "2026-04-01T11:00:00Z",
            "attendees": [{"email": user.email}],
        }
        refused = user_client.post(
            "/api/v1/calendar-events/", body | {"integration": str(foreign.pk)}, format="json"
        )
        assert refused.status_code == 400 and "integration" in refused.json()
        solo = user_client.post(
            "/api/v1/calendar-events/", body | {"integration": str(own.pk)}, format="json"
        )
        assert solo.status_code == 201 and solo.json()["is_meeting"] is False
        patched = user_client.patch(
            f"/api/v1/calendar-events/{solo.json()['id']}/",
            {"attendees": [user.email, "bob@example.com"]},
            format="json",
        )
        assert patched.json()["is_meeting"] is True


class TestRetention:
    def test_purge_respects_each_users_retention(self, user, other_user):
        set_settings(user, data_retention_days=7)
        old = timezone.now() - timedelta(days=30)
        ActivityFactory(user=user, start_time=old)
        ActivityFactory(user=user, start_time=timezone.now() - timedelta(days=1))
        ActivityFactory(user=other_user, start_time=old)  # default 365 days
        UserActivityFactory(user=user, occurred_at=old)
        call_command("purge_activity", "--batch-size", "1")
        assert Activity.objects.filter(user=user).count() == 1
        assert Activity.objects.filter(user=other_user).count() == 1
        assert not UserActivity.objects.exists()
        rows = AuditLog.objects.filter(action="bulk_delete", metadata__reason="retention")
        assert rows.count() == 2


class TestAdmin:
    def test_changelists_and_reclassify_action(self, staff_user, user, global_rules):
        from django.test import Client

        ActivityFactory(user=user, app_name="Slack", category="")
        WorkSessionFactory(user=user)
        client = Client()
        client.force_login(staff_user)
        for name in (
            "activity",
            "classificationrule",
            "idlesession",
            "useractivity",
            "focussession",
            "worksession",
            "goal",
            "screenshot",
            "integration",
            "calendarevent",
        ):
            assert client.get(f"/admin/activity/{name}/").status_code == 200, name
        activity = Activity.objects.get()
        response = client.post(
            "/admin/activity/activity/",
            {"action": "reclassify", "_selected_action": [str(activity.pk)]},
        )
        assert response.status_code == 302
        activity.refresh_from_db()
        assert activity.category == "communication"


def test_demo_seed_is_idempotent(db):
    from accounts.tests.factories import UserFactory
    from activity.demo import seed

    users = {"alice": UserFactory(username="alice"), "bob": UserFactory(username="bob")}
    assert seed(users)
    count = Activity.objects.count()
    assert count > 50
    seed(users)
    assert Activity.objects.count() == count
    assert WorkSession.objects.count() == 0
