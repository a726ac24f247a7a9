"""SessionActivity per authenticated request (one INSERT) and SessionAnalytics per login."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from auditing.analytics import parse_user_agent, security_score
from auditing.models import AuditLog, SessionActivity, SessionAnalytics
from auditing.tests.factories import SessionActivityFactory, SessionAnalyticsFactory

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_one_row_per_authenticated_request_with_the_route_not_the_path(user_client, user):
    setting_path = "/api/v1/app-settings/00000000-0000-0000-0000-000000000000/"
    user_client.get("/api/v1/me/", HTTP_USER_AGENT="agent/1", REMOTE_ADDR="192.0.2.4")
    user_client.get(setting_path)
    first, second = SessionActivity.objects.order_by("created_at", "id")
    assert (first.user_id, first.method, first.response_status) == (user.pk, "GET", 200)
    assert first.endpoint == "/api/v1/me/"
    assert (first.client_ip, first.user_agent, first.activity_type) == (
        "192.0.2.4",
        "agent/1",
        "api_call",
    )
    assert second.response_status == 404
    assert "<pk>" in second.endpoint and "0000" not in second.endpoint
    assert first.request_id and first.session_id == ""  # forced auth: no session
    # Written by a plain INSERT: the defaults save() would fill are there all the same.
    assert first.extra_data == {} and first.created_at <= first.updated_at
    assert first.created_at <= second.created_at


def test_the_request_log_costs_exactly_one_insert(user_client):
    user_client.get("/api/v1/me/")  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        user_client.get("/api/v1/me/")
    touching = [q["sql"] for q in ctx.captured_queries if "session_activities" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT")
    assert not any("sessionanalytics" in q["sql"] for q in ctx.captured_queries)


def test_anonymous_static_and_health_requests_are_not_logged(client, user):
    client.get("/api/v1/me/")
    client.force_login(user)
    client.get("/healthz/")
    client.get("/static/admin/css/base.css")
    assert not SessionActivity.objects.exists()
    client.get(reverse("admin:index"))
    [row] = SessionActivity.objects.all()
    assert row.activity_type == "page_view" and row.endpoint == "/admin/"
    assert row.session_id == sha256(client.session.session_key)


def test_session_token_clients_are_keyed_by_the_token_hash(user_client):
    user_client.get("/api/v1/me/", HTTP_X_SESSION_TOKEN="abc123")
    assert SessionActivity.objects.get().session_id == sha256("abc123")


def test_session_activities_are_not_audited_per_row(user_client):
    user_client.get("/api/v1/me/")
    assert not AuditLog.objects.filter(entity_type="auditing.sessionactivity").exists()


def test_the_forwarded_address_is_used_only_behind_configured_proxies(user_client, settings):
    user_client.get("/api/v1/me/", HTTP_X_FORWARDED_FOR="198.51.100.1", REMOTE_ADDR="10.0.0.9")
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote the first entry itself; the proxy appended the address it saw.
    user_client.get(
        "/api/v1/me/", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5", REMOTE_ADDR="10.0.0.9"
    )
    ips = list(SessionActivity.objects.order_by("created_at", "id").values_list("client_ip"))
    assert ips == [("10.0.0.9",), ("203.0.113.5",)]


# -- analytics ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (FIREFOX, {"device_type": "desktop", "browser": "Firefox 130", "os": "Linux"}),
        (IPHONE, {"device_type": "mobile", "browser": "Mobile Safari 17", "os": "iOS 17"}),
        ("", {"device_type": "", "browser": "", "os": ""}),
    ],
)
def test_user_agents_are_parsed(agent, expected):
    assert parse_user_agent(agent) == expected


def test_login_opens_analytics_and_logout_closes_it(client, user):
    from accounts.tests.factories import DEFAULT_PASSWORD

    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    key = sha256(client.session.session_key)
    analytics = SessionAnalytics.objects.get(session_id=key)
    assert analytics.user_id == user.pk and analytics.logout_time is None
    client.logout()
    analytics.refresh_from_db()
    assert analytics.logout_time is not None and analytics.session_duration >= 0


def test_login_through_the_login_page_parses_the_agent(client, user):
    from accounts.tests.factories import DEFAULT_PASSWORD

    client.post(
        "/accounts/login/",
        {"login": user.username, "password": DEFAULT_PASSWORD},
        HTTP_USER_AGENT=IPHONE,
        REMOTE_ADDR="192.0.2.10",
    )
    analytics = SessionAnalytics.objects.get(user=user)
    assert (analytics.device_type, analytics.os, analytics.ip_address) == (
        "mobile",
        "iOS 17",
        "192.0.2.10",
    )


def test_refresh_folds_counters_once_and_scores_risk(user):
    start = timezone.now() - timedelta(minutes=30)
    analytics = SessionAnalyticsFactory(
        user=user, login_time=start, last_activity=start, ip_address="10.1.0.1", user_agent="a"
    )
    base = {"user": user, "session_id": analytics.session_id, "user_agent": "a"}
    SessionActivityFactory(
        **base, client_ip="10.1.0.1", activity_type="page_view", endpoint="/admin/"
    )
    SessionActivityFactory(**base, client_ip="10.1.0.1", endpoint="/api/v1/me/")
    for _ in range(5):
        SessionActivityFactory(**base, client_ip="10.1.0.1", response_status=403)
    # Another network within minutes, and another browser: travel and a new agent.
    SessionActivityFactory(**{**base, "user_agent": "b"}, client_ip="172.20.0.1")

    call_command("refresh_session_analytics", stdout=StringIO())
    call_command("refresh_session_analytics", stdout=StringIO())  # nothing counted twice

    analytics.refresh_from_db()
    assert (analytics.page_views, analytics.api_calls, analytics.failed_actions) == (1, 7, 5)
    assert analytics.last_page == "/admin/"
    assert set(analytics.risk_signals) == {"new_ip", "new_user_agent", "impossible_travel"}
    assert analytics.security_score == 100 - 20 - 20 - 40 - 10
    assert analytics.is_suspicious


def test_a_quiet_session_keeps_a_perfect_score(user):
    analytics = SessionAnalyticsFactory(user=user, last_activity=timezone.now() - timedelta(1))
    SessionActivityFactory(user=user, session_id=analytics.session_id, client_ip="10.0.0.1")
    call_command("refresh_session_analytics", stdout=StringIO())
    analytics.refresh_from_db()
    assert (analytics.security_score, analytics.is_suspicious, analytics.api_calls) == (
        100,
        False,
        1,
    )


def test_score_is_bounded():
    every = ["new_ip", "new_user_agent", "impossible_travel"]
    assert security_score(signals=every * 3, failed_actions=999) == 0
    assert security_score(signals=["new_ip"] * 3, failed_actions=0) == 80
    assert security_score(signals=[], failed_actions=4) == 100


# -- admin -------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_change_pages_link_to_the_objects_audit_rows(admin_client, user):
    change = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    history = reverse("admin:accounts_user_history", args=[user.pk])
    assert history.encode() in change.content
    response = admin_client.get(history)
    assert response.status_code == 302
    assert "entity_type=accounts.user" in response.url and str(user.pk) in response.url
    listing = admin_client.get(response.url)
    assert listing.status_code == 200
    rows = listing.context["cl"].result_list
    assert rows and {row.entity_id for row in rows} == {str(user.pk)}


@pytest.mark.parametrize(
    "name", ["auditing_auditlog", "auditing_sessionactivity", "auditing_sessionanalytics"]
)
def test_audit_admin_pages_are_view_only(admin_client, name, user):
    SessionActivityFactory(user=user)
    SessionAnalyticsFactory(user=user)
    changelist = admin_client.get(reverse(f"admin:{name}_changelist"))
    assert changelist.status_code == 200
    assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 403
    filtered = admin_client.get(reverse(f"admin:{name}_changelist"), {"q": "x"})
    assert filtered.status_code == 200


def test_pruning_the_request_log_writes_one_batch_row(user):
    old = SessionActivityFactory(user=user)
    SessionActivity.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=100)
    )
    SessionActivityFactory(user=user)
    out = StringIO()
    call_command("prune_session_activities", "--days", "30", stdout=out)
    assert SessionActivity.objects.count() == 1
    [row] = AuditLog.objects.filter(entity_type="auditing.sessionactivity")
    assert (row.action, row.metadata["count"], row.source) == ("bulk_delete", 1, "cli")


def test_a_failing_request_log_never_breaks_the_response(user_client, monkeypatch):
    from django.db import DatabaseError

    from auditing.middleware import SessionActivityMiddleware

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(SessionActivityMiddleware, "record", staticmethod(broken))
    assert user_client.get("/api/v1/me/").status_code == 200
