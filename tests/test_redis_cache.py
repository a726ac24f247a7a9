"""The cache as production runs it, on a live Redis (skipped when none answers on
127.0.0.1:6379): shared clients, and cached API keys refused as soon as they are revoked."""

import contextlib
import socket
import threading
from unittest import mock

import pytest
from django.core.cache import caches
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts import services
from core.throttling import count_in_window

REDIS_URL = "redis://127.0.0.1:6379/13"


def _redis_answers() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 6379), 0.5):
        return True
    return False


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def redis_cache():
    live = {
        "default": {
            "BACKEND": "core.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=live, API_KEY_CACHE_SECONDS=300):
        saved = caches._settings
        caches._settings = caches.settings = live
        with contextlib.suppress(AttributeError):
            del caches._connections.default
        cache = caches["default"]
        cache.clear()
        yield cache
        cache.clear()
        caches._settings = caches.settings = saved
        with contextlib.suppress(AttributeError):
            del caches._connections.default


def test_one_client_serves_every_call_and_thread(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    errors = []

    def work(n):
        try:
            for i in range(50):
                redis_cache.set(f"t{n}:{i}", i)
                assert redis_cache.get(f"t{n}:{i}") == i
            assert redis_cache._cache.get_client() is client
        except AssertionError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert redis_cache.get_many(["t0:1", "t7:49", "missing"]) == {"t0:1": 1, "t7:49": 49}
    assert redis_cache.add("t0:1", 5) is False
    assert redis_cache.incr("t0:1") == 2


@pytest.mark.django_db
def test_a_revoked_key_is_refused_through_the_shared_cache(
    redis_cache, user, django_capture_on_commit_callbacks
):
    api_key, key = services.api_key_create(user=user, key_name="tracker")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/me/").status_code == 200
    assert redis_cache.get(f"accounts:api-key:{api_key.key_hash}") is not None
    owner = APIClient()
    owner.force_authenticate(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert owner.delete(f"/api/v1/me/api-keys/{api_key.pk}/").status_code == 204
    assert redis_cache.get(f"accounts:api-key:{api_key.key_hash}") is None
    assert client.get("/api/v1/me/").status_code == 401


def test_window_counters_lose_no_count_under_concurrency_and_expire(redis_cache):
    seen = []

    def work():
        seen.extend(count_in_window(redis_cache, "throttle_probe:7", 60) for _ in range(25))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Every increment got its own number: none lost, none repeated.
    assert sorted(seen) == list(range(1, 201))
    assert redis_cache.get("throttle_probe:7") == 200
    key = redis_cache.make_and_validate_key("throttle_probe:7")
    assert 0 < redis_cache._cache.get_client().ttl(key) <= 60


@pytest.mark.django_db
def test_the_user_throttle_refuses_past_the_rate_on_redis(redis_cache, user):
    client = APIClient()
    client.force_authenticate(user)
    with (
        mock.patch.object(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "9/min", "user": "3/min"}),
        mock.patch("core.throttling.UserThrottle.timer", return_value=630.0),
    ):
        codes = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert redis_cache.get(f"throttle_user_{user.pk}:10") == 4


@pytest.mark.django_db
@override_settings(API_KEY_FAILURE_LIMIT=(3, 300))
def test_bad_keys_are_counted_on_redis_until_the_address_is_locked_out(redis_cache, user):
    _, key = services.api_key_create(user=user, key_name="ci")
    client = APIClient(REMOTE_ADDR="192.0.2.7")
    client.credentials(HTTP_AUTHORIZATION="Api-Key cad_dead_beef")
    assert [client.get("/api/v1/me/").status_code for _ in range(4)] == [401, 401, 401, 429]
    counter = "accounts:api-key-failures:ip:192.0.2.7"
    assert redis_cache.get(counter) == 3
    assert 0 < redis_cache._cache.get_client().ttl(redis_cache.make_key(counter)) <= 300
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert client.get("/api/v1/me/").status_code == 429
