from datetime import timedelta

import pytest
from django.utils import timezone

from social.models import UserStatus
from tests.api_cases import APIResourceCases

pytestmark = pytest.mark.django_db
client_for = APIResourceCases.client_for


def _age_heartbeats(user, by: timedelta) -> None:
    status = UserStatus.objects.get(user=user)
    for info in status.devices.values():
        info["last_seen"] = (timezone.now() - by).isoformat()
    UserStatus.objects.filter(user=user).update(devices=status.devices)


def _status_of(viewer, user) -> dict:
    response = client_for(viewer).get(f"/api/v1/users/{user.pk}/status/")
    assert response.status_code == 200
    return response.json()


def test_never_seen_user_is_offline(user, other_user):
    body = _status_of(user, other_user)
    assert body["auto_status"] == "offline" and body["last_seen"] is None


def test_heartbeat_makes_a_user_online_per_device(user, other_user):
    client = client_for(user)
    response = client.post(
        "/api/v1/me/status/heartbeat/", {"device_id": "laptop"}, HTTP_USER_AGENT="Firefox/140"
    )
    assert response.status_code == 200
    client.post("/api/v1/me/status/heartbeat/", {"device_id": "phone"})
    mine = client.get("/api/v1/me/status/").json()
    assert set(mine["devices"]) == {"laptop", "phone"}
    assert mine["devices"]["laptop"]["user_agent"] == "Firefox/140"
    assert mine["auto_status"] == "online" and mine["last_seen"]
    assert _status_of(other_user, user)["auto_status"] == "online"
    assert "devices" not in _status_of(other_user, user)


def test_afk_idle_and_offline_follow_the_last_heartbeat(user, other_user):
    client_for(user).post("/api/v1/me/status/heartbeat/", {"device_id": "d", "is_afk": True})
    assert _status_of(other_user, user)["auto_status"] == "away"
    _age_heartbeats(user, timedelta(minutes=5))
    assert _status_of(other_user, user)["auto_status"] == "idle"
    _age_heartbeats(user, timedelta(minutes=20))
    assert _status_of(other_user, user)["auto_status"] == "offline"


def test_invisible_users_look_offline_with_last_seen_frozen(user, other_user):
    client = client_for(user)
    client.post("/api/v1/me/status/heartbeat/", {"device_id": "d"})
    before = UserStatus.objects.get(user=user).last_seen
    assert (
        client.patch("/api/v1/me/status/", {"invisible": True, "manual_status": "Busy"}).status_code
        == 200
    )
    # Going invisible freezes last_seen at that moment; later activity doesn't move it.
    frozen = UserStatus.objects.get(user=user).last_seen
    assert frozen >= before
    client.post("/api/v1/me/status/heartbeat/", {"device_id": "d"})
    client.patch("/api/v1/me/status/", {"manual_status": "Still busy"})
    seen = _status_of(other_user, user)
    assert seen["auto_status"] == "offline"
    assert seen["manual_status"] == ""
    assert seen["last_seen"] == frozen.isoformat().replace("+00:00", "Z")
    assert UserStatus.objects.get(user=user).last_seen == frozen
    # The user still sees their own live state.
    assert client.get("/api/v1/me/status/").json()["auto_status"] == "online"

    client.patch("/api/v1/me/status/", {"invisible": False})
    client.post("/api/v1/me/status/heartbeat/", {"device_id": "d"})
    assert UserStatus.objects.get(user=user).last_seen > frozen
    assert _status_of(other_user, user)["auto_status"] == "online"


def test_manual_status_expires(user, other_user):
    client = client_for(user)
    soon = timezone.now() + timedelta(minutes=30)
    client.patch(
        "/api/v1/me/status/",
        {"manual_status": "Lunch", "manual_status_expires_at": soon.isoformat()},
    )
    assert _status_of(other_user, user)["manual_status"] == "Lunch"
    UserStatus.objects.filter(user=user).update(
        manual_status_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert _status_of(other_user, user)["manual_status"] == ""
    assert client.get("/api/v1/me/status/").json()["manual_status"] == ""


def test_bad_input_is_400(user):
    client = client_for(user)
    assert client.post("/api/v1/me/status/heartbeat/", {}).status_code == 400
    assert client.post("/api/v1/me/status/heartbeat/", {"device_id": "x" * 500}).status_code == 400
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = client.patch(
        "/api/v1/me/status/", {"manual_status": "x", "manual_status_expires_at": past}
    )
    assert response.status_code == 400
    assert not UserStatus.objects.filter(user=user, manual_status="x").exists()
    assert client.patch("/api/v1/me/status/", {"devices": {"evil": {}}}).status_code == 200
    assert UserStatus.objects.get(user=user).devices == {}


def test_unknown_user_is_404(user):
    missing = "00000000-0000-4000-8000-000000000000"
    assert client_for(user).get(f"/api/v1/users/{missing}/status/").status_code == 404
