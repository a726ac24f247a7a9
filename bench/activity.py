"""Activity ingest, heartbeats, summary and list, through the full stack in one process.

    DATABASE_URL=postgres://... python -m bench.activity      (BENCH_ROWS=1000000 by default)

Builds a throw-away test database, loads BENCH_ROWS activities directly (COPY on PostgreSQL,
executemany on SQLite, not through the API) spread over 50 users, then measures through the
API with an in-process client. Figures are printed, never asserted.
"""

import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

APPS = [
    ("Code", "", "development", True),
    ("Slack", "", "communication", True),
    ("Firefox", "https://github.com/x/y", "development", True),
    ("Firefox", "https://www.youtube.com/watch", "entertainment", False),
    ("Terminal", "", "development", True),
    ("Figma", "", "design", True),
    ("Spotify", "", "entertainment", False),
    ("Unknown", "", "", None),
]
USERS = 50
BATCH = 1000


def _users():
    from accounts.tests.factories import UserFactory

    return [UserFactory(username=f"bench{i}") for i in range(USERS)]


def _rows(users, total: int, now: datetime):
    """Activities of the last 30 days, evenly spread per user, ~2 minutes each."""
    per_user = total // len(users)
    span = timedelta(days=30).total_seconds()
    created = now
    for user in users:
        step = span / per_user
        for i in range(per_user):
            app, url, category, productive = APPS[i % len(APPS)]
            start = now - timedelta(seconds=span - i * step)
            duration = int(min(step, 120))
            yield (
                uuid.uuid4(),
                user.pk,
                app,
                f"window {i % 97}",
                url,
                category,
                productive,
                i % 23 == 0,
                start,
                start + timedelta(seconds=duration),
                duration,
                created,
            )


COLUMNS = (
    "id, user_id, app_name, window_title, url, category, is_productive, is_afk, "
    "start_time, end_time, duration, created_at"
)


def _load(users, total: int, now: datetime) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.connection.cursor().copy(f"COPY activities ({COLUMNS}) FROM STDIN") as copy:
                for row in _rows(users, total, now):
                    copy.write_row(row)
            cursor.execute("ANALYZE activities")
        else:
            rows = [
                (r[0].hex, r[1].hex, *r[2:8], *(v.isoformat() for v in r[8:10]), r[10], r[11])
                for r in _rows(users, total, now)
            ]
            cursor.executemany(
                f"INSERT INTO activities ({COLUMNS}) VALUES ({', '.join(['%s'] * 12)})",  # noqa: S608
                rows,
            )
    return time.perf_counter() - started


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ingest(user, requests: int, base: datetime) -> dict:
    client = _client(user)
    timings, queries = [], []
    for r in range(requests):
        body = [
            {
                "app_name": APPS[i % len(APPS)][0],
                "url": APPS[i % len(APPS)][1],
                "window_title": f"doc {i % 50}",
                "start_time": (base + timedelta(minutes=r * BATCH + i)).isoformat(),
                "end_time": (base + timedelta(minutes=r * BATCH + i, seconds=50)).isoformat(),
            }
            for i in range(BATCH)
        ]
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.post("/api/v1/activities/", body, content_type="application/json")
            timings.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content[:300]
        queries.append(len(ctx.captured_queries))
    return {
        "ingest_rows_per_s": round(BATCH * requests / sum(timings)),
        "ingest_ms_per_1000_rows_p50": round(1000 * statistics.median(timings), 1),
        "ingest_queries_per_request": max(queries),
    }


def _heartbeats(client, count: int, base: datetime) -> dict:
    queries, created = [], 0
    started = time.perf_counter()
    for i in range(count):
        app = APPS[(i // 20) % len(APPS)]  # a new app every 20 beats, like a real session
        body = {
            "app_name": app[0],
            "url": app[1],
            "window_title": "bench",
            "timestamp": (base + timedelta(seconds=5 * i)).isoformat(),
        }
        reset_queries()  # the capture reads a bounded log; keep it from wrapping
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                "/api/v1/activities/heartbeat/", body, content_type="application/json"
            )
        created += response.status_code == 201
        queries.append(len(ctx.captured_queries))
    elapsed = time.perf_counter() - started
    return {
        "per_s": round(count / elapsed),
        "created": created,
        "queries_max": max(queries),
    }


def _heartbeat_figures(user, count: int, base: datetime) -> dict:
    """Twice: with a browser session (the full middleware stack, including allauth's
    per-request user-session tracking) and with the user already authenticated (the app's
    own cost, as with a token client: BEGIN/COMMIT are not counted as queries)."""
    from rest_framework.test import APIClient

    figures = {}
    for label, client in (("session", _client(user)), ("app", APIClient())):
        if label == "app":
            client.force_authenticate(user)
            base = base + timedelta(days=1)
        for name, value in _heartbeats(client, count, base).items():
            figures[f"heartbeat_{label}_{name}"] = value
    return figures


def _p50(client, path: str, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
    return round(1000 * statistics.median(timings), 2)


def _reads(user, now: datetime) -> dict:
    from activity.selectors import activity_summary, user_zone

    client = _client(user)
    start = (now - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    summary = f"/api/v1/activities/summary/?start={start}&end={end}"
    zone = user_zone(user)
    orm = []
    for _ in range(30):
        started = time.perf_counter()
        activity_summary(
            user=user,
            start=now - timedelta(days=30),
            end=now,
            group_by="category",
            zone=zone,
        )
        orm.append(time.perf_counter() - started)
    first_page = client.get("/api/v1/activities/?page_size=50").json()
    figures = {
        "summary_api_p50_ms": _p50(client, summary, 30),
        "summary_by_day_api_p50_ms": _p50(client, f"{summary}&group_by=day", 30),
        "summary_orm_p50_ms": round(1000 * statistics.median(orm), 2),
        "list_first_page_p50_ms": _p50(client, "/api/v1/activities/?page_size=50", 30),
        "list_next_page_p50_ms": _p50(client, first_page["next"], 30),
        "list_page_200_p50_ms": _p50(client, "/api/v1/activities/?page_size=200", 30),
    }
    if connection.vendor == "postgresql":
        from django.db.models import Sum

        from activity.models import Activity

        queryset = Activity.objects.filter(
            user=user, start_time__gte=now - timedelta(days=30), start_time__lt=now, is_afk=False
        ).values("category")
        plan = queryset.annotate(total=Sum("duration")).order_by().explain()
        figures["summary_plan"] = plan
    return figures


def run(total: int | None = None) -> dict:
    total = total or int(os.environ.get("BENCH_ROWS", "1000000"))
    now = datetime.now(UTC).replace(microsecond=0)
    users = _users()
    load_s = _load(users, total, now)
    figures = {
        "rows_loaded": total,
        "load_s": round(load_s, 1),
        "load_rows_per_s": round(total / load_s),
    }
    # After the loaded rows, so heartbeats continue the latest activity as a live tracker's do.
    later = now + timedelta(days=1)
    requests = int(os.environ.get("BENCH_INGEST_REQUESTS", "20"))
    figures |= _ingest(users[1], requests=requests, base=later)
    beats = int(os.environ.get("BENCH_HEARTBEATS", "2000"))
    figures |= _heartbeat_figures(users[2], count=beats, base=later)
    figures |= _reads(users[0], now)
    # The machine's pace at the moment: the cheapest request through the same stack.
    health = Client()
    started = time.perf_counter()
    for _ in range(300):
        health.get("/healthz/")
    figures["baseline_healthz_per_s"] = round(300 / (time.perf_counter() - started))
    reset_queries()
    print(
        f"activity: {connection.vendor}, {total} activities over {USERS} users, in-process client"
    )
    for name, value in figures.items():
        if name == "summary_plan":
            print("  summary plan (category, 30 days, one user):")
            for line in str(value).splitlines():
                print(f"    {line}")
        else:
            print(f"  {name:30} {value}")
    return figures


def main() -> None:
    from django.test.utils import setup_test_environment

    setup_test_environment()
    if connection.vendor == "postgresql":
        # Its own database, so a reused pytest database of the same name is left alone.
        name = connection.settings_dict["NAME"]
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{name}"
    test_db = connection.creation.create_test_db(verbosity=0, keepdb=False, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
