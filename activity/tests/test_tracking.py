"""Ingest, heartbeats, classification, summaries and exports, through the API."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import user_settings_get
from activity.models import Activity, ClassificationRule, FocusSession
from activity.tests.factories import ActivityFactory, ClassificationRuleFactory
from auditing.models import AuditLog
from tests.api_cases import view_queries

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/v1/activities/"
HEARTBEAT = "/api/v1/activities/heartbeat/"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def iso(dt: datetime) -> str:
    return dt.isoformat()


def rows(n: int, *, app="Code", start=T0, **extra) -> list[dict]:
    return [
        {
            "app_name": app,
            "start_time": iso(start + timedelta(minutes=i)),
            "end_time": iso(start + timedelta(minutes=i, seconds=50)),
            **extra,
        }
        for i in range(n)
    ]


def set_settings(user, **values):
    settings = user_settings_get(user=user)
    for key, value in values.items():
        setattr(settings, key, value)
    settings.save()


class TestBulkIngest:
    def test_array_is_stored_with_duration_and_one_audit_row(self, user, user_client):
        response = user_client.post(ACTIVITIES, rows(3), format="json")
        assert response.status_code == 201, response.content
        assert len(response.json()) == 3
        assert all(item["duration"] == 50 for item in response.json())
        assert Activity.objects.filter(user=user).count() == 3
        audit = AuditLog.objects.filter(entity_type="activity.activity", action="bulk_create")
        assert audit.count() == 1
        assert audit.get().metadata["count"] == 3

    def test_one_bad_item_rejects_the_whole_batch(self, user, user_client):
        batch = rows(3)
        batch[1]["end_time"] = iso(T0 - timedelta(days=1))
        batch[2]["app_name"] = 42
        response = user_client.post(ACTIVITIES, batch, format="json")
        assert response.status_code == 400
        errors = response.json()
        assert errors[0] == {} and "end_time" in errors[1] and "app_name" in errors[2]
        assert not Activity.objects.exists()

    @pytest.mark.parametrize(
        "body",
        [
            [],
            ["not an object"],
            [{"app_name": "x", "start_time": "2026-13-45T99:00:00Z"}],
            [{"app_name": "x" * 256, "start_time": "2026-01-01T00:00:00Z"}],
            [{"app_name": "x", "start_time": "2026-01-01T00:00:00Z", "is_afk": "yes"}],
        ],
    )
    def test_bad_input_is_400_and_writes_nothing(self, user_client, body):
        assert user_client.post(ACTIVITIES, body, format="json").status_code == 400
        assert not Activity.objects.exists()

    def test_more_than_5000_is_refused(self, user_client):
        response = user_client.post(ACTIVITIES, rows(5001), format="json")
        assert response.status_code == 400
        assert not Activity.objects.exists()

    def test_query_count_does_not_grow_with_the_batch(self, user, user_client):
        user_client.post(ACTIVITIES, rows(1), format="json")  # warm the rule cache
        counts = []
        for n in (5, 500):
            with CaptureQueriesContext(connection) as ctx:
                response = user_client.post(ACTIVITIES, rows(n), format="json")
            assert response.status_code == 201
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], counts

    @pytest.mark.parametrize("setting", [{"tracking_enabled": False}, {"incognito_mode": True}])
    def test_refused_while_tracking_off_or_incognito(self, user, user_client, setting):
        set_settings(user, **setting)
        assert user_client.post(ACTIVITIES, rows(2), format="json").status_code == 403
        assert (
            user_client.post(
                HEARTBEAT, {"app_name": "Code", "timestamp": iso(T0)}, format="json"
            ).status_code
            == 403
        )
        assert not Activity.objects.exists()

    def test_afk_rows_dropped_while_idle_tracking_off(self, user, user_client):
        set_settings(user, track_idle=False)
        batch = rows(2) + rows(1, is_afk=True, start=T0 + timedelta(hours=1))
        response = user_client.post(ACTIVITIES, batch, format="json")
        assert response.status_code == 201
        assert Activity.objects.filter(user=user).count() == 2
        afk = user_client.post(
            HEARTBEAT, {"app_name": "x", "is_afk": True, "timestamp": iso(T0)}, format="json"
        )
        assert afk.status_code == 403

    def test_single_object_and_patch_recomputes_duration(self, user, user_client):
        response = user_client.post(ACTIVITIES, rows(1)[0], format="json")
        assert response.status_code == 201
        pk = response.json()["id"]
        patched = user_client.patch(
            f"{ACTIVITIES}{pk}/", {"end_time": iso(T0 + timedelta(minutes=2))}, format="json"
        )
        assert patched.status_code == 200
        assert patched.json()["duration"] == 120

    def test_list_is_newest_first_with_cursor(self, user, user_client):
        user_client.post(ACTIVITIES, rows(5), format="json")
        body = user_client.get(f"{ACTIVITIES}?page_size=2").json()
        starts = [item["start_time"] for item in body["results"]]
        assert starts == sorted(starts, reverse=True)
        assert body["next"] and "cursor=" in body["next"]
        assert "count" not in body


class TestClassification:
    def test_global_rules_from_migration_apply(self, user, user_client, global_rules):
        assert ClassificationRule.objects.filter(user__isnull=True).count() > 10
        batch = [
            {"app_name": "Slack", "start_time": iso(T0)},
            {"app_name": "Firefox", "url": "https://www.youtube.com/watch", "start_time": iso(T0)},
            {"app_name": "Unknown thing", "start_time": iso(T0)},
        ]
        created = user_client.post(ACTIVITIES, batch, format="json").json()
        assert (created[0]["category"], created[0]["is_productive"]) == ("communication", True)
        assert (created[1]["category"], created[1]["is_productive"]) == ("entertainment", False)
        assert (created[2]["category"], created[2]["is_productive"]) == ("", None)

    def test_client_values_are_kept(self, user_client, global_rules):
        body = {"app_name": "Slack", "start_time": iso(T0), "category": "mine"}
        created = user_client.post(ACTIVITIES, body, format="json").json()
        assert created["category"] == "mine" and created["is_productive"] is True

    def test_priority_then_user_over_global(self, user, user_client):
        ClassificationRuleFactory(user=None, app_name="tool", category="global", priority=5)
        ClassificationRuleFactory(user=user, app_name="tool", category="mine", priority=5)
        ClassificationRuleFactory(user=None, app_name="tool", category="top", priority=9)
        ClassificationRuleFactory(user=user, app_name="Tool", category="low", priority=1)
        created = user_client.post(
            ACTIVITIES, {"app_name": "TOOL", "start_time": iso(T0)}, format="json"
        ).json()
        assert created["category"] == "top"
        ClassificationRule.objects.filter(category="top").delete()
        created = user_client.post(
            ACTIVITIES, {"app_name": "tool", "start_time": iso(T0)}, format="json"
        ).json()
        assert created["category"] == "mine"

    def test_glob_title_and_url_patterns(self, user, user_client):
        ClassificationRuleFactory(user=user, app_name="jet*", category="ide", priority=100)
        ClassificationRuleFactory(
            user=user, app_name="", window_title_pattern=r"^PR #\d+", category="review", priority=99
        )
        batch = [
            {"app_name": "JetBrains Rider", "start_time": iso(T0)},
            {"app_name": "Browser", "window_title": "PR #12 fix", "start_time": iso(T0)},
        ]
        created = user_client.post(ACTIVITIES, batch, format="json").json()
        assert [c["category"] for c in created] == ["ide", "review"]

    def test_cache_is_invalidated_when_a_rule_changes(self, user, user_client):
        body = {"app_name": "widget", "start_time": iso(T0)}
        assert user_client.post(ACTIVITIES, body, format="json").json()["category"] == ""
        response = user_client.post(
            "/api/v1/classification-rules/",
            {"app_name": "widget", "category": "fun", "is_productive": False},
            format="json",
        )
        assert response.status_code == 201
        assert user_client.post(ACTIVITIES, body, format="json").json()["category"] == "fun"
        rule_id = response.json()["id"]
        user_client.patch(f"/api/v1/classification-rules/{rule_id}/", {"category": "play"})
        assert user_client.post(ACTIVITIES, body, format="json").json()["category"] == "play"
        user_client.delete(f"/api/v1/classification-rules/{rule_id}/")
        assert user_client.post(ACTIVITIES, body, format="json").json()["category"] == ""

    @pytest.mark.parametrize(
        "pattern", [r"(a)\1", r"(?=lookahead)", "(unclosed", "x" * 501, r"a{1000}{1000}"]
    )
    def test_unsafe_or_invalid_patterns_are_400(self, user_client, pattern):
        response = user_client.post(
            "/api/v1/classification-rules/",
            {"url_pattern": pattern, "category": "x", "is_productive": True},
            format="json",
        )
        assert response.status_code == 400
        assert "url_pattern" in response.json()

    def test_catastrophic_backtracking_pattern_runs_in_linear_time(self, user, user_client):
        ClassificationRuleFactory(
            user=user, app_name="", url_pattern=r"^(a+)+$", category="evil", priority=1000
        )

        def classify(url: str) -> tuple[str, float]:
            started = time.perf_counter()
            response = user_client.post(
                ACTIVITIES, {"app_name": "x", "url": url, "start_time": iso(T0)}, format="json"
            )
            assert response.status_code == 201, response.content
            return response.json()["category"], time.perf_counter() - started

        # The rule is applied to URLs of any length: a's alone match it.
        assert classify("a" * 2000)[0] == "evil"
        # A final "!" makes a backtracking engine try every way of splitting the a's before
        # it fails: each further "a" doubles the work, and 28 of them take it many seconds.
        # RE2 answers in time linear in the input, up to the longest URL accepted.
        for hostile in ("a" * 28 + "!", "a" * 1999 + "!"):
            category, elapsed = classify(hostile)
            assert category == ""
            assert elapsed < 2, f"{len(hostile)} characters took {elapsed:.1f}s"

    def test_global_rules_are_read_only_for_users(self, user_client, staff_client, global_rules):
        rule = ClassificationRule.objects.filter(user__isnull=True).first()
        path = f"/api/v1/classification-rules/{rule.pk}/"
        assert user_client.get(path).status_code == 200
        assert user_client.patch(path, {"category": "x"}).status_code == 403
        assert user_client.delete(path).status_code == 403
        body = {"app_name": "z", "category": "z", "is_productive": True, "is_global": True}
        assert user_client.post("/api/v1/classification-rules/", body).status_code == 403
        created = staff_client.post("/api/v1/classification-rules/", body)
        assert created.status_code == 201 and created.json()["user"] is None
        assert staff_client.patch(path, {"category": "x"}).status_code == 200

    def test_reclassify_range(self, user, user_client):
        ActivityFactory(user=user, app_name="gadget", start_time=T0, category="", duration=60)
        ActivityFactory(user=user, app_name="gadget", start_time=T0 - timedelta(days=3))
        ClassificationRuleFactory(user=user, app_name="gadget", category="tools", priority=1)
        response = user_client.post(
            "/api/v1/classification-rules/reclassify/",
            {"start": iso(T0 - timedelta(hours=1)), "end": iso(T0 + timedelta(hours=1))},
        )
        assert response.status_code == 200 and response.json() == {"updated": 1}
        assert Activity.objects.filter(category="tools").count() == 1
        bad = user_client.post("/api/v1/classification-rules/reclassify/", {"start": "x"})
        assert bad.status_code == 400


class TestHeartbeat:
    def beat(self, client, offset: float, **extra):
        body = {
            "app_name": "Code",
            "window_title": "a.py",
            "timestamp": iso(T0 + timedelta(seconds=offset)),
        }
        return client.post(HEARTBEAT, body | extra, format="json")

    def test_merge_within_pulsetime_and_split_otherwise(self, user, user_client):
        first = self.beat(user_client, 0)
        assert first.status_code == 201
        merged = self.beat(user_client, 30)
        assert merged.status_code == 200
        assert merged.json()["id"] == first.json()["id"] and merged.json()["duration"] == 30
        assert self.beat(user_client, 40, window_title="b.py").status_code == 201
        assert self.beat(user_client, 200, window_title="b.py").status_code == 201
        assert self.beat(user_client, 230, window_title="b.py", pulsetime=5).status_code == 201
        assert self.beat(user_client, 240, window_title="b.py", is_afk=True).status_code == 201
        assert Activity.objects.filter(user=user).count() == 5

    def test_an_open_activity_is_extended_from_its_start(self, user, user_client):
        body = {"app_name": "Code", "window_title": "a.py", "start_time": iso(T0)}
        opened = user_client.post(ACTIVITIES, body, format="json").json()
        assert opened["end_time"] is None
        extended = self.beat(user_client, 45)
        assert extended.status_code == 200, extended.content
        assert extended.json()["id"] == opened["id"]
        assert (extended.json()["end_time"], extended.json()["duration"]) == (
            "2026-03-02T09:00:45Z",
            45,
        )
        stored = Activity.objects.get(pk=opened["id"])
        assert (stored.end_time, stored.duration) == (T0 + timedelta(seconds=45), 45)

    def test_two_queries_to_extend_six_to_start(self, user, user_client):
        self.beat(user_client, 0)
        # Extending: read the latest, update it. Starting: read the latest, then under the
        # lock: lock, read the latest again, insert, audit row, focus session check.
        for offset, title, status, most in ((10, "a.py", 200, 2), (20, "other", 201, 6)):
            with CaptureQueriesContext(connection) as ctx:
                response = self.beat(user_client, offset, window_title=title)
            assert response.status_code == status
            # The test's own transaction turns the request's BEGIN/COMMIT into savepoints.
            sql = view_queries(ctx.captured_queries)
            assert len(sql) <= most, sql

    def test_blocked_app_counts_a_distraction_during_focus(self, user, user_client):
        session = FocusSession.objects.create(
            user=user,
            duration_minutes=25,
            status="active",
            blocked_apps=["slack"],
            blocked_websites=["reddit.com"],
        )
        self.beat(user_client, 0, app_name="Slack")
        self.beat(user_client, 5, app_name="Slack")  # same visit: not a new distraction
        self.beat(user_client, 10, app_name="Firefox", url="https://old.reddit.com/r/x")
        self.beat(user_client, 20, app_name="Code")
        session.refresh_from_db()
        assert session.distraction_count == 2

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"app_name": "x"},
            {"app_name": "x", "timestamp": "nope"},
            {"app_name": "", "timestamp": "2026-01-01T00:00:00Z"},
        ],
    )
    def test_bad_heartbeat_is_400(self, user_client, body):
        assert user_client.post(HEARTBEAT, body, format="json").status_code == 400


class TestSummary:
    def test_split_score_and_afk_excluded(self, user, other_user, user_client):
        make = ActivityFactory
        make(
            user=user, app_name="A", category="dev", is_productive=True, start_time=T0, duration=600
        )
        make(
            user=user,
            app_name="B",
            category="fun",
            is_productive=False,
            start_time=T0,
            duration=200,
        )
        make(user=user, app_name="C", category="", is_productive=None, start_time=T0, duration=100)
        make(user=user, app_name="A", category="dev", is_afk=True, start_time=T0, duration=999)
        make(user=other_user, app_name="A", category="dev", is_productive=True, start_time=T0)
        query = f"start={iso(T0 - timedelta(hours=1))}&end={iso(T0 + timedelta(hours=1))}"
        body = user_client.get(f"{ACTIVITIES}summary/?{query.replace('+', '%2B')}").json()
        assert body["total_seconds"] == 900
        assert (body["productive"], body["unproductive"], body["unclassified"]) == (600, 200, 100)
        assert body["productivity_score"] == 75.0
        assert [g["key"] for g in body["groups"]] == ["dev", "fun", ""]
        by_app = user_client.get(
            f"{ACTIVITIES}summary/?group_by=app_name&{query.replace('+', '%2B')}"
        ).json()
        assert {g["key"] for g in by_app["groups"]} == {"A", "B", "C"}

    def test_group_by_day_in_users_time_zone(self, user, user_client):
        set_settings(user, time_zone="America/New_York")
        # 02:00 UTC on 3 March is still 2 March in New York.
        ActivityFactory(user=user, start_time=datetime(2026, 3, 3, 2, tzinfo=UTC), duration=60)
        ActivityFactory(user=user, start_time=datetime(2026, 3, 3, 15, tzinfo=UTC), duration=30)
        body = user_client.get(
            f"{ACTIVITIES}summary/?group_by=day&start=2026-03-01T00:00:00Z&end=2026-03-05T00:00:00Z"
        ).json()
        assert [(g["key"], g["total_seconds"]) for g in body["groups"]] == [
            ("2026-03-02", 60),
            ("2026-03-03", 30),
        ]

    @pytest.mark.parametrize(
        "query",
        [
            "group_by=weekday",
            "start=yesterday",
            "start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z",
        ],
    )
    def test_bad_parameters_are_400(self, user_client, query):
        assert user_client.get(f"{ACTIVITIES}summary/?{query}").status_code == 400

    def test_summary_is_one_aggregate_query(self, user, user_client):
        for i in range(20):
            ActivityFactory(user=user, start_time=T0 + timedelta(minutes=i), category=f"c{i % 4}")
        with CaptureQueriesContext(connection) as ctx:
            response = user_client.get(
                f"{ACTIVITIES}summary/?start=2026-03-01T00:00:00Z&end=2026-03-05T00:00:00Z"
            )
        assert response.status_code == 200
        aggregates = [q for q in ctx.captured_queries if "SUM(" in q["sql"].upper()]
        assert len(aggregates) == 1
        assert len(view_queries(ctx.captured_queries)) <= 3

    def test_csv_exports_are_streamed(self, user, user_client):
        ActivityFactory(user=user, app_name="Code, the editor", start_time=T0, category="dev")
        response = user_client.get(
            f"{ACTIVITIES}export/?start=2026-03-01T00:00:00Z&end=2026-03-05T00:00:00Z"
        )
        assert response.status_code == 200 and response.streaming
        text = b"".join(response.streaming_content).decode()
        assert text.splitlines()[0].startswith("id,app_name")
        assert '"Code, the editor"' in text
        summary = user_client.get(
            f"{ACTIVITIES}summary/export/?start=2026-03-01T00:00:00Z&end=2026-03-05T00:00:00Z"
        )
        assert summary.status_code == 200
        assert b"".join(summary.streaming_content).decode().splitlines()[1].startswith("dev,")


def test_ingest_relies_on_activity_field_order():
    # Ingest writes rows as tuples in column order (binary COPY, or Activity(*row)); a new or
    # moved column must be reflected in activity.ingest, so this pins the order.
    assert [f.attname for f in Activity._meta.concrete_fields] == [
        "id",
        "user_id",
        "app_name",
        "window_title",
        "url",
        "category",
        "is_productive",
        "is_afk",
        "start_time",
        "end_time",
        "duration",
        "created_at",
    ]


def test_activity_filters(user, user_client):
    ActivityFactory(user=user, app_name="Code", start_time=T0, is_productive=True)
    ActivityFactory(user=user, app_name="Slack", start_time=T0 + timedelta(hours=2))
    after = iso(T0 + timedelta(hours=1)).replace("+", "%2B")

    def names(query):
        response = user_client.get(f"{ACTIVITIES}?{query}")
        assert response.status_code == 200, response.content
        return [item["app_name"] for item in response.json()["results"]]

    assert names(f"start_time_after={after}") == ["Slack"]
    assert names(f"start_time_before={after}") == ["Code"]
    assert names("app_name=Code") == ["Code"]
    assert names("is_productive=true") == ["Code"]
    assert user_client.get(f"{ACTIVITIES}?start_time_after=garbage").status_code == 400
