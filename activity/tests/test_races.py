"""Concurrency on PostgreSQL: each thread is a client with its own connection."""

import itertools
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from rest_framework.test import APIClient

from activity.models import Activity, FocusSession, WorkSession

# The flush after these tests also empties tables that data migrations filled (global
# rules); tests that need those rules ask for the `global_rules` fixture, which reloads them.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HEARTBEAT = "/api/v1/activities/heartbeat/"


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


def _start_activity(user, start: datetime) -> None:
    """One heartbeat, before the threads run: the latest row they race on."""
    client = APIClient()
    client.force_authenticate(user)
    body = {"app_name": "Code", "timestamp": start.isoformat()}
    assert client.post(HEARTBEAT, body, format="json").status_code == 201


def _turns():
    """Hands each thread its own number, 1, 2, 3, ..."""
    numbers, lock = itertools.count(1), threading.Lock()

    def take() -> int:
        with lock:
            return next(numbers)

    return take


def test_concurrent_heartbeats_extend_one_row_to_the_latest_timestamp(user):
    start = datetime(2026, 5, 1, 9, tzinfo=UTC)
    _start_activity(user, start)
    # Each thread sends a later timestamp; extends race on the same row without a lock.
    turn = _turns()

    def beat(client):
        at = start.replace(second=turn()).isoformat()
        return client.post(HEARTBEAT, {"app_name": "Code", "timestamp": at}, format="json")

    codes = run_together(user, 12, beat)
    assert codes == [200] * 12
    activity = Activity.objects.get(user=user)
    assert activity.end_time == start.replace(second=12)
    assert activity.duration == 12


def test_heartbeats_extending_and_starting_at_once_do_not_deadlock(user):
    start = datetime(2026, 5, 1, 9, tzinfo=UTC)
    _start_activity(user, start)
    turn = _turns()

    def beat(client):
        app = "Code" if turn() % 2 else "Slack"
        at = start.replace(second=30).isoformat()
        return client.post(HEARTBEAT, {"app_name": app, "timestamp": at}, format="json")

    codes = run_together(user, 12, beat)
    # No deadlock (a 503), and every row has its 201: whatever order the heartbeats took,
    # none inserted a row it did not report, and none reported one twice.
    assert set(codes) <= {200, 201}
    assert 201 in codes
    assert Activity.objects.filter(user=user).count() == 1 + codes.count(201)


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
