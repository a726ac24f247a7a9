"""API key scopes: `read` reads, `write` reads and writes, `ingest` only sends activity. No key,
whatever its scopes, makes or revokes keys or signs sessions out."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import ApiKey, UserSession
from accounts.tests.clients import app_session, browser_session, key_client, new_key
from accounts.tests.factories import DEFAULT_PASSWORD
from activity.models import Activity, UserActivity
from activity.tests.factories import IdleSessionFactory

pytestmark = pytest.mark.django_db

ACTIVITY = {
    "app_name": "Code",
    "start_time": "2026-01-05T09:00:00Z",
    "end_time": "2026-01-05T09:30:00Z",
}


def test_an_ingest_key_sends_activity_events_and_heartbeats(user):
    client = key_client(new_key(user, ["ingest"]))
    assert client.post("/api/v1/activities/", ACTIVITY, format="json").status_code == 201
    bulk = [
        {**ACTIVITY, "start_time": f"2026-01-06T0{hour}:00:00Z", "end_time": None}
        for hour in (1, 2)
    ]
    assert client.post("/api/v1/activities/", bulk, format="json").status_code == 201
    beat = {"app_name": "Code", "timestamp": timezone.now().isoformat()}
    assert client.post("/api/v1/activities/heartbeat/", beat, format="json").status_code in (
        200,
        201,
    )
    session = IdleSessionFactory(user=user)
    event = {"session": str(session.pk), "activity_type": "scroll", "activity_data": {"y": 3}}
    assert client.post("/api/v1/user-activities/", event, format="json").status_code == 201
    assert Activity.objects.filter(user=user).count() == 4
    assert UserActivity.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/activities/", None),
        ("get", "/api/v1/me/", None),
        ("patch", "/api/v1/me/", {"display_name": "Changed"}),
        ("get", "/api/v1/me/api-keys/", None),
        ("post", "/api/v1/goals/", {"title": "x"}),
        ("put", "/api/v1/me/preferences/theme/", {"preference_value": {"a": 1}}),
    ],
)
def test_an_ingest_key_does_nothing_else(user, method, path, body):
    client = key_client(new_key(user, ["ingest"]))
    response = getattr(client, method)(path, body, format="json")
    assert response.status_code == 403, (path, response.content)
    assert "only send activity" in response.json()["detail"]
    user.refresh_from_db()
    assert user.display_name != "Changed"


def test_a_read_key_reads_but_does_not_ingest(user):
    client = key_client(new_key(user, ["read"]))
    assert client.get("/api/v1/activities/").status_code == 200
    response = client.post("/api/v1/activities/", ACTIVITY, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "This API key is read-only."
    assert not Activity.objects.exists()


def test_read_and_ingest_together(user):
    client = key_client(new_key(user, ["read", "ingest"]))
    assert client.get("/api/v1/me/").status_code == 200
    assert client.post("/api/v1/activities/", ACTIVITY, format="json").status_code == 201
    assert client.patch("/api/v1/me/", {"display_name": "x"}).status_code == 403


@pytest.mark.parametrize("scopes", [["read", "write"], ["write"], ["ingest"], ["read"]])
def test_no_key_can_create_keys(user, scopes):
    client = key_client(new_key(user, scopes))
    before = ApiKey.objects.count()
    response = client.post("/api/v1/me/api-keys/", {"key_name": "minted"}, format="json")
    assert response.status_code == 403
    assert ApiKey.objects.count() == before


def test_no_key_can_revoke_keys_or_sign_sessions_out(user):
    other_key, _ = services.api_key_create(user=user, key_name="other")
    browser = browser_session(user, reauthenticated=False)
    session = UserSession.objects.live().get(user=user)
    client = key_client(new_key(user, ["read", "write"]))

    assert client.delete(f"/api/v1/me/api-keys/{other_key.pk}/").status_code == 403
    assert client.delete(f"/api/v1/me/sessions/{session.pk}/").status_code == 403
    response = client.post(
        "/api/v1/me/sessions/revoke-others/", {"include_api_keys": True}, format="json"
    )
    assert response.status_code == 403
    other_key.refresh_from_db()
    assert other_key.is_active and other_key.revoked_at is None
    assert browser.get("/api/v1/me/").status_code == 200
    # Reading them is fine.
    assert client.get("/api/v1/me/sessions/").status_code == 200


@pytest.mark.parametrize("login", [browser_session, app_session], ids=["browser", "app"])
def test_keys_are_made_from_a_signed_in_session_and_list_their_scopes(user, login):
    client = login(user, reauthenticated=False)
    response = client.post(
        "/api/v1/me/api-keys/", {"key_name": "tracker", "permissions": "ingest"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["permissions"] == ["ingest"]
    listed = client.get("/api/v1/me/api-keys/").json()["results"]
    assert [item["permissions"] for item in listed] == [["ingest"]]
    tracker = key_client(response.json()["key"])
    assert tracker.post("/api/v1/activities/", ACTIVITY, format="json").status_code == 201
    assert tracker.get("/api/v1/activities/").status_code == 403


def test_the_keys_page_makes_a_tracker_key(user):
    client = Client()
    client.post("/accounts/login/", {"login": user.username, "password": DEFAULT_PASSWORD})
    response = client.post("/accounts/api-keys/", {"key_name": "laptop", "access": "ingest"})
    assert response.status_code == 200
    assert ApiKey.objects.get(user=user, key_name="laptop").scopes == ["ingest"]
    response = client.post("/accounts/api-keys/", {"key_name": "ro", "access": "read"})
    assert ApiKey.objects.get(user=user, key_name="ro").scopes == ["read"]
    response = client.post("/accounts/api-keys/", {"key_name": "bad", "access": "admin"})
    assert response.status_code == 200
    assert not ApiKey.objects.filter(key_name="bad").exists()


def test_the_database_accepts_only_known_scopes(user):
    api_key, _ = services.api_key_create(user=user, key_name="k", permissions=["ingest"])
    assert ApiKey.objects.get(pk=api_key.pk).permissions == "ingest"
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.objects.filter(pk=api_key.pk).update(permissions="ingest,admin")
