"""Cached API key lookups (production runs them on Redis): no query for a known key, and
never a key that should be refused, whatever path changed it."""

import pickle
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.authentication import api_key_cache_key
from accounts.models import UserSettings
from accounts.tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cached_keys")]

START = "2026-03-02T09:00:00Z"


@pytest.fixture
def cached_keys():
    with override_settings(API_KEY_CACHE_SECONDS=300):
        yield


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def api_key_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/me/").status_code == 200
    return sum('FROM "api_keys"' in query["sql"] for query in ctx.captured_queries)


def test_a_known_key_is_looked_up_once(user):
    _, key = services.api_key_create(user=user, key_name="tracker")
    client = key_client(key)
    assert api_key_queries(client) == 1
    assert api_key_queries(client) == 0
    assert api_key_queries(client) == 0


def test_no_secret_reaches_the_cache(user):
    settings = UserSettings.objects.get(user=user)
    services.user_settings_update(settings=settings, data={"openai_api_key": "sk-cached-never"})
    api_key, key = services.api_key_create(user=user, key_name="tracker")
    assert key_client(key).get("/api/v1/me/").status_code == 200
    cached = cache.get(api_key_cache_key(api_key.key_hash))
    assert cached is not None and cached.pk == api_key.pk
    blob = pickle.dumps(cached)
    assert user.password.encode() not in blob
    assert b"sk-cached-never" not in blob
    assert key.encode() not in blob


def revoke_through_api(user, api_key):
    owner = APIClient()
    owner.force_authenticate(user)
    assert owner.delete(f"/api/v1/me/api-keys/{api_key.pk}/").status_code == 204


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(revoke_through_api, id="revoked-through-the-api"),
        pytest.param(lambda u, k: services.api_key_revoke(api_key=k), id="revoked"),
        pytest.param(lambda u, k: k.delete(), id="deleted"),
        pytest.param(lambda u, k: services.user_soft_delete(user=u), id="user-soft-deleted"),
        pytest.param(
            lambda u, k: (setattr(u, "is_active", False), u.save(update_fields=["is_active"])),
            id="user-deactivated",
        ),
        pytest.param(lambda u, k: u.delete(), id="user-deleted"),
    ],
)
def test_a_cached_key_is_refused_once_spoiled(user, spoil, django_capture_on_commit_callbacks):
    api_key, key = services.api_key_create(user=user, key_name="tracker")
    client = key_client(key)
    assert client.get("/api/v1/me/").status_code == 200
    assert cache.get(api_key_cache_key(api_key.key_hash)) is not None
    # The entry is dropped when the change commits (the test's transaction never does).
    with django_capture_on_commit_callbacks(execute=True):
        spoil(user, api_key)
    assert client.get("/api/v1/me/").status_code == 401


def test_a_cached_key_expires_on_time(user):
    _, key = services.api_key_create(
        user=user, key_name="tracker", expires_at=timezone.now() + timedelta(hours=1)
    )
    client = key_client(key)
    assert client.get("/api/v1/me/").status_code == 200
    later = timezone.now() + timedelta(hours=2)
    with mock.patch("accounts.authentication.timezone.now", return_value=later):
        assert client.get("/api/v1/me/").status_code == 401


def test_turning_tracking_off_is_seen_by_a_cached_key(user, django_capture_on_commit_callbacks):
    _, key = services.api_key_create(user=user, key_name="tracker")
    client = key_client(key)
    body = {"app_name": "Code", "start_time": START}
    assert client.post("/api/v1/activities/", body, format="json").status_code == 201
    owner = APIClient()
    owner.force_authenticate(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.patch("/api/v1/me/settings/", {"tracking_enabled": False}, format="json")
    assert response.status_code == 200
    assert client.post("/api/v1/activities/", body, format="json").status_code == 403
    assert (
        client.post(
            "/api/v1/activities/heartbeat/",
            {"app_name": "Code", "timestamp": START},
            format="json",
        ).status_code
        == 403
    )


@pytest.mark.django_db(transaction=True)
def test_the_entry_is_dropped_when_the_change_commits_not_before(user):
    # Dropped before the commit, a request in between would cache the old row again.
    api_key, key = services.api_key_create(user=user, key_name="tracker")
    assert key_client(key).get("/api/v1/me/").status_code == 200
    entry = api_key_cache_key(api_key.key_hash)
    with transaction.atomic():
        services.api_key_revoke(api_key=api_key)
        assert cache.get(entry) is not None
    assert cache.get(entry) is None
    assert key_client(key).get("/api/v1/me/").status_code == 401


def test_another_users_key_never_yields_this_user(user):
    other = UserFactory()
    _, mine = services.api_key_create(user=user, key_name="mine")
    _, theirs = services.api_key_create(user=other, key_name="theirs")
    for _ in range(2):
        assert key_client(mine).get("/api/v1/me/").json()["id"] == str(user.pk)
        assert key_client(theirs).get("/api/v1/me/").json()["id"] == str(other.pk)
