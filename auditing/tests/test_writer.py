"""The request log written after the response (AUDIT_SESSION_ACTIVITY_BACKGROUND, auditing.writer).

The writer's thread has a connection of its own, so these tests commit (transaction=True).
PostgreSQL only, as in production: on SQLite's shared in-memory test database, a write from
the writer's thread while the test's thread queries fails at once ("database table is
locked") instead of waiting its turn.
"""

import logging
import threading

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from auditing import middleware, writer
from auditing.models import SessionActivity
from config import gunicorn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ME = "/api/v1/me/"


@pytest.fixture
def background(monkeypatch, settings):
    settings.AUDIT_SESSION_ACTIVITY_BACKGROUND = True
    made = []

    def make(**options):
        made.append(writer.BackgroundWriter(**options))
        monkeypatch.setattr(middleware, "session_activity_writer", made[-1])
        return made[-1]

    yield make
    for each in made:
        assert each.close()


class Held:
    """Holds the writer's thread at each batch until `release` is set; records batch sizes."""

    def __init__(self, monkeypatch):
        self.entered, self.release, self.batches = threading.Event(), threading.Event(), []
        real_insert = writer.insert_rows

        def held(alias, sql, rows):
            self.batches.append(len(rows))
            self.entered.set()
            assert self.release.wait(10)
            real_insert(alias, sql, rows)

        monkeypatch.setattr(writer, "insert_rows", held)


def failing_writes(monkeypatch, count: int) -> None:
    """The writer's next `count` writes fail as a lost connection would."""
    failures = iter([DatabaseError("connection lost")] * count)
    real_insert = writer.insert_rows

    def failing(*args):
        error = next(failures, None)
        if error:
            raise error
        real_insert(*args)

    monkeypatch.setattr(writer, "insert_rows", failing)


def test_requests_leave_their_rows_after_the_response(background, user_client, user):
    log = background()
    before = timezone.now()
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            assert user_client.get(ME).status_code == 200
    after = timezone.now()
    assert not [q for q in ctx.captured_queries if "session_activities" in q["sql"]]
    assert log.flush()
    rows = list(SessionActivity.objects.order_by("created_at"))
    assert len(rows) == 3
    assert {(r.user_id, r.endpoint, r.method, r.response_status) for r in rows} == {
        (user.pk, ME, "GET", 200)
    }
    # The time is the request's, fixed before the row was queued.
    assert all(before <= r.created_at <= after for r in rows)


def test_a_full_queue_makes_the_request_write_its_own_row(background, user_client, monkeypatch):
    held = Held(monkeypatch)
    log = background(max_queue=1)
    user_client.get(ME)  # taken by the thread, which is then held
    assert held.entered.wait(10)
    user_client.get(ME)  # queued: the queue is full
    assert not SessionActivity.objects.exists()
    user_client.get(ME)  # no room: written by the request itself
    assert SessionActivity.objects.count() == 1
    held.release.set()
    assert log.flush()
    assert SessionActivity.objects.count() == 3


def test_rows_that_wait_are_written_together(background, user_client, monkeypatch, user):
    held = Held(monkeypatch)
    log = background()
    user_client.get(ME)
    assert held.entered.wait(10)
    for _ in range(3):
        user_client.get(ME)  # queued while the first row is being written
    held.release.set()
    assert log.flush()
    assert held.batches == [1, 3]
    assert SessionActivity.objects.filter(user=user, endpoint=ME).count() == 4


def test_a_failed_batch_is_retried_once(background, user_client, monkeypatch, caplog):
    failing_writes(monkeypatch, 1)
    log = background()
    with caplog.at_level(logging.WARNING, logger="auditing.writer"):
        user_client.get(ME)
        assert log.flush()
    assert SessionActivity.objects.count() == 1
    assert not caplog.records


def test_a_batch_that_fails_twice_is_logged_and_the_writer_goes_on(
    background, user_client, monkeypatch, caplog
):
    failing_writes(monkeypatch, 2)
    log = background()
    with caplog.at_level(logging.WARNING, logger="auditing.writer"):
        assert user_client.get(ME).status_code == 200
        assert log.flush()
    assert [r.getMessage() for r in caplog.records] == ["1 session activity rows not recorded"]
    assert not SessionActivity.objects.exists()
    user_client.get(ME)
    assert log.flush()
    assert SessionActivity.objects.count() == 1


def test_the_writer_reconnects_when_the_database_drops_its_connection(
    background, user_client, caplog
):
    log = background()
    user_client.get(ME)
    assert log.flush()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1  # the writer's connection
    with caplog.at_level(logging.WARNING, logger="auditing.writer"):
        user_client.get(ME)
        assert log.flush()
    assert SessionActivity.objects.count() == 2
    assert not caplog.records


def test_closing_writes_the_queue_and_a_later_row_starts_a_new_thread(background, user_client):
    log = background()
    user_client.get(ME)
    user_client.get(ME)
    assert log.close()
    assert SessionActivity.objects.count() == 2
    user_client.get(ME)
    assert log.flush()
    assert SessionActivity.objects.count() == 3


def test_a_gunicorn_worker_writes_its_queue_before_it_exits(background, user_client, monkeypatch):
    log = background()
    monkeypatch.setattr(writer, "session_activity_writer", log)
    held = Held(monkeypatch)
    user_client.get(ME)
    assert held.entered.wait(10)
    user_client.get(ME)  # still queued when the worker starts to exit
    threading.Timer(0.2, held.release.set).start()
    gunicorn.worker_exit(server=None, worker=None)
    assert SessionActivity.objects.count() == 2
