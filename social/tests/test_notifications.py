from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.selectors import user_settings_get
from social.models import Notification
from social.services import notification_create
from social.tests.factories import NotificationFactory
from tests.api_cases import APIResourceCases, view_queries

pytestmark = pytest.mark.django_db
client_for = APIResourceCases.client_for


def test_expired_notifications_are_hidden(user):
    live = NotificationFactory(user=user)
    gone = NotificationFactory(user=user, expires_at=timezone.now() - timedelta(minutes=1))
    later = NotificationFactory(user=user, expires_at=timezone.now() + timedelta(days=1))
    client = client_for(user)
    ids = APIResourceCases.result_ids(client.get("/api/v1/notifications/"))
    assert ids == {str(live.pk), str(later.pk)}
    assert client.get(f"/api/v1/notifications/{gone.pk}/").status_code == 404
    assert client.get("/api/v1/notifications/unread-count/").json() == {"count": 2}


def test_list_is_newest_first_and_filters_by_is_read(user):
    first = NotificationFactory(user=user)
    second = NotificationFactory(user=user, is_read=True, read_at=timezone.now())
    client = client_for(user)
    body = client.get("/api/v1/notifications/").json()
    assert [r["id"] for r in body["results"]] == [str(second.pk), str(first.pk)]
    assert "next" in body and "previous" in body
    unread = client.get("/api/v1/notifications/", {"is_read": "false"}).json()["results"]
    assert [r["id"] for r in unread] == [str(first.pk)]


def test_unread_count_costs_one_query(user, other_user):
    NotificationFactory.create_batch(3, user=user)
    NotificationFactory(user=user, is_read=True, read_at=timezone.now())
    NotificationFactory(user=other_user)
    client = client_for(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/notifications/unread-count/")
    assert response.json() == {"count": 3}
    statements = view_queries(ctx.captured_queries)
    assert len(statements) == 1, statements


def test_patch_marks_read_and_unread(user):
    notification = NotificationFactory(user=user)
    client = client_for(user)
    path = f"/api/v1/notifications/{notification.pk}/"
    assert client.patch(path, {"is_read": True}).json()["read_at"]
    notification.refresh_from_db()
    assert notification.is_read and notification.read_at
    assert client.patch(path, {"is_read": False}).json()["read_at"] is None
    # Only is_read is writable.
    client.patch(path, {"title": "changed", "is_read": True})
    notification.refresh_from_db()
    assert notification.title != "changed"


def test_mark_all_read_touches_only_own(user, other_user):
    NotificationFactory.create_batch(3, user=user)
    foreign = NotificationFactory(user=other_user)
    response = client_for(user).post("/api/v1/notifications/mark-all-read/")
    assert response.status_code == 200
    assert response.json() == {"updated": 3}
    assert not Notification.objects.filter(user=user, is_read=False).exists()
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    foreign.refresh_from_db()
    assert foreign.is_read is False
    assert client_for(user).get("/api/v1/notifications/unread-count/").json() == {"count": 0}


def test_high_priority_is_emailed_after_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification_create(user=user, type="alert", title="Server on fire", priority="high")
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "Server on fire" in mail.outbox[0].subject


def test_lower_priorities_and_opted_out_users_get_no_email(
    user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(user=user, type="info", title="FYI")
        notification_create(user=user, type="info", title="meh", priority="low")
    settings = user_settings_get(user=user)
    settings.notifications_enabled = False
    settings.save()
    with django_capture_on_commit_callbacks(execute=True):
        notification_create(user=user, type="alert", title="Quiet", priority="high")
    assert mail.outbox == []
    assert Notification.objects.filter(user=user).count() == 3


def test_the_api_cannot_create_notifications(user):
    response = client_for(user).post("/api/v1/notifications/", {"type": "x", "title": "y"})
    assert response.status_code == 405


def test_empty_patch_changes_nothing(user):
    notification = NotificationFactory(user=user)
    response = client_for(user).patch(f"/api/v1/notifications/{notification.pk}/", {})
    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.is_read is False


def test_list_queries_do_not_grow_with_the_page(user):
    client = client_for(user)
    NotificationFactory(user=user)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/notifications/")
    NotificationFactory.create_batch(30, user=user)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/notifications/", {"page_size": 200})
    assert len(many.captured_queries) == len(one.captured_queries)
