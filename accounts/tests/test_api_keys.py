"""API keys: hashed at rest, shown once, and refused whenever they should be."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services, tokens
from accounts.models import ApiKey, User
from auditing.models import AuditLog

pytestmark = pytest.mark.django_db


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def test_created_key_is_shown_once_and_only_its_sha256_is_stored(user_client, user):
    response = user_client.post("/api/v1/me/api-keys/", {"key_name": "laptop"})
    assert response.status_code == 201
    key = response.json()["key"]
    assert key.startswith("cad_")
    stored = ApiKey.objects.get(pk=response.json()["id"])
    assert stored.key_hash == tokens.digest(key)
    assert len(stored.key_hash) == 64
    assert key.startswith(stored.prefix)
    # Read the table directly: the key is in no column.
    rows = list(ApiKey.objects.filter(pk=stored.pk).values_list())
    assert key not in " ".join(map(str, rows[0]))
    assert "key" not in user_client.get(f"/api/v1/me/api-keys/{stored.pk}/").json()
    assert all(
        "key" not in item for item in user_client.get("/api/v1/me/api-keys/").json()["results"]
    )
    # Nor in any audit row.
    audit_text = " ".join(str(row) for row in AuditLog.objects.values_list())
    assert key not in audit_text
    assert key.split("_", 2)[2] not in audit_text


def test_the_key_authenticates_its_owner(user):
    _, key = services.api_key_create(user=user, key_name="ci")
    response = key_client(key).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["id"] == str(user.pk)


def test_anonymous_gets_the_api_key_challenge():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Api-Key realm="api"'


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(
            lambda k, u: ApiKey.objects.filter(pk=k.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            ),
            id="expired",
        ),
        pytest.param(lambda k, u: services.api_key_revoke(api_key=k), id="revoked"),
        pytest.param(
            lambda k, u: ApiKey.objects.filter(pk=k.pk).update(is_active=False), id="inactive"
        ),
        pytest.param(
            lambda k, u: User.all_objects.filter(pk=u.pk).update(is_active=False),
            id="inactive-user",
        ),
        pytest.param(lambda k, u: services.user_soft_delete(user=u), id="deleted-user"),
    ],
)
def test_spoiled_keys_are_401(user, spoil):
    api_key, key = services.api_key_create(user=user, key_name="ci")
    assert key_client(key).get("/api/v1/me/").status_code == 200
    spoil(api_key, user)
    response = key_client(key).get("/api/v1/me/")
    assert response.status_code == 401


@pytest.mark.parametrize("key", ["nonsense", "cad_xxxx_yyyy", "", "cad_" + "a" * 300])
def test_unknown_or_malformed_keys_are_401(user, key):
    assert key_client(key).get("/api/v1/me/").status_code == 401


def test_a_tampered_key_is_401(user):
    _, key = services.api_key_create(user=user, key_name="ci")
    assert (
        key_client(key[:-1] + ("A" if key[-1] != "A" else "B")).get("/api/v1/me/").status_code
        == 401
    )


def test_read_only_key_cannot_write(user):
    _, key = services.api_key_create(user=user, key_name="ro", permissions=["read"])
    client = key_client(key)
    assert client.get("/api/v1/me/").status_code == 200
    response = client.patch("/api/v1/me/", {"display_name": "Changed"})
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.display_name != "Changed"


def test_last_used_is_written_at_most_once_a_minute(user):
    api_key, key = services.api_key_create(user=user, key_name="ci")
    key_client(key).get("/api/v1/me/")
    api_key.refresh_from_db()
    first = api_key.last_used_at
    assert first is not None
    key_client(key).get("/api/v1/me/")
    api_key.refresh_from_db()
    assert api_key.last_used_at == first
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=first - timedelta(minutes=2))
    key_client(key).get("/api/v1/me/")
    api_key.refresh_from_db()
    assert api_key.last_used_at > first - timedelta(minutes=2)


@override_settings(API_KEY_FAILURE_LIMIT=(3, 300))
def test_repeated_failures_from_one_address_are_throttled(user):
    cache.clear()
    _, key = services.api_key_create(user=user, key_name="ci")
    for _ in range(3):
        assert key_client("cad_dead_beef").get("/api/v1/me/").status_code == 401
    assert key_client("cad_dead_beef").get("/api/v1/me/").status_code == 429
    # Even the right key waits: the address is locked out for the window.
    assert key_client(key).get("/api/v1/me/").status_code == 429


def test_create_rejects_past_expiry_and_unknown_scopes(user_client):
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = user_client.post("/api/v1/me/api-keys/", {"key_name": "x", "expires_at": past})
    assert response.status_code == 400 and "expires_at" in response.json()
    response = user_client.post("/api/v1/me/api-keys/", {"key_name": "x", "permissions": ["admin"]})
    assert response.status_code == 400 and "permissions" in response.json()
    assert not ApiKey.objects.exists()


def test_a_revoked_key_is_still_listed_as_revoked(user_client, user):
    api_key, _ = services.api_key_create(user=user, key_name="old")
    assert user_client.delete(f"/api/v1/me/api-keys/{api_key.pk}/").status_code == 204
    item = user_client.get(f"/api/v1/me/api-keys/{api_key.pk}/").json()
    assert item["is_active"] is False and item["revoked_at"]


@override_settings(API_KEY_FAILURE_LIMIT=(20, 300))
def test_bad_keys_with_a_victims_prefix_never_lock_the_victims_key_out(user):
    cache.clear()
    api_key, key = services.api_key_create(user=user, key_name="ci")
    attacker = APIClient(REMOTE_ADDR="203.0.113.9")
    attacker.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key.prefix}_wrong-secret")
    codes = [attacker.get("/api/v1/me/").status_code for _ in range(100)]
    # The attacker's own address is throttled...
    assert codes[:20] == [401] * 20 and set(codes[20:]) == {429}
    # ...and the victim, from their own address, is not.
    victim = APIClient(REMOTE_ADDR="198.51.100.7")
    victim.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert victim.get("/api/v1/me/").status_code == 200


@override_settings(API_KEY_FAILURE_LIMIT=(3, 300))
def test_guesses_from_many_addresses_are_counted_per_address(user):
    cache.clear()
    api_key, _ = services.api_key_create(user=user, key_name="ci")
    for index in range(5):
        client = APIClient(REMOTE_ADDR=f"10.0.0.{index + 1}")
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key.prefix}_wrong-secret")
        assert [client.get("/api/v1/me/").status_code for _ in range(4)] == [401, 401, 401, 429]
