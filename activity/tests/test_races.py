"""Concurrency on PostgreSQL: each thread is a client with its own connection."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from rest_framework.test import APIClient

from activity.models import Activity, FocusSession, WorkSession

# The flush after these tests also empties tables that data migrations filled (global
# rules); tests that need those rules ask for the `global_rules` fixture, which reloads them.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(user, count: int, request) -> list[int]:
    """Run `request(client)` in `count` threads released at once; returns status codes."""
    barrier = threading.Barrier(count)
    codes: list[int] = []
    lock = threading.Lock()

    def worker():
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait()
            code = request(client).status_code
            with lock:
                codes.append(code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def test_concurrent_heartbeats_make_one_activity(user):
    body = {"app_name": "Code", "timestamp": datetime(2026, 5, 1, 9, tzinfo=UTC).isoformat()}
    codes = run_together(
        user, 8, lambda c: c.post("/api/v1/activities/heartbeat/", body, format="json")
    )
    assert sorted(codes) == [200] * 7 + [201]
    assert Activity.objects.filter(user=user).count() == 1
    # And again once the user has a latest row to lock: a new app starts exactly one row.
    body = {"app_name": "Slack", "timestamp": datetime(2026, 5, 1, 9, 0, 5, tzinfo=UTC).isoformat()}
    codes = run_together(
        user, 8, lambda c: c.post("/api/v1/activities/heartbeat/", body, format="json")
    )
    assert sorted(codes) == [200] * 7 + [201]
    assert Activity.objects.filter(user=user).count() == 2


def test_one_active_focus_session_under_concurrent_starts(user):
    codes = run_together(
        user,
        6,
        lambda c: c.post("/api/v1/focus-sessions/", {"duration_minutes": 25}, format="json"),
    )
    assert sorted(codes) == [201] + [409] * 5
    assert FocusSession.objects.filter(user=user, status="active").count() == 1


def test_one_running_work_timer_under_concurrent_starts(user):
    codes = run_together(
        user, 6, lambda c: c.post("/api/v1/work-sessions/", {"title": "x"}, format="json")
    )
    assert sorted(codes) == [201] + [409] * 5
    assert WorkSession.objects.filter(user=user, ended_at__isnull=True).count() == 1


def test_distraction_counter_is_exact(user):
    session = FocusSession.objects.create(user=user, duration_minutes=25)
    path = f"/api/v1/focus-sessions/{session.pk}/distraction/"
    codes = run_together(user, 10, lambda c: c.post(path))
    assert codes == [200] * 10
    session.refresh_from_db()
    assert session.distraction_count == 10
