"""The API's JSON in and out (orjson): the same JSON DRF's own classes write, and bad bodies
are a 400, never a 500."""

import pytest

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/v1/activities/"


def test_datetimes_come_back_in_utc_with_z_and_text_unescaped(user_client):
    body = {
        "app_name": "Código ☕",
        "start_time": "2026-03-02T11:00:00.250+02:00",
        "end_time": "2026-03-02T11:00:30+02:00",
    }
    response = user_client.post(ACTIVITIES, body, format="json")
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["start_time"] == "2026-03-02T09:00:00.250000Z"
    assert data["end_time"] == "2026-03-02T09:00:30Z"
    assert data["duration"] == 29
    assert len(data["id"]) == 36
    assert "Código ☕".encode() in response.content
    listed = user_client.get(ACTIVITIES).json()["results"][0]
    assert listed == data


@pytest.mark.parametrize(
    "raw",
    [b"{", b"NaN", b'{"app_name": "x", "start_time": Infinity}', b"\xff\xfe", b"[1,]"],
)
def test_malformed_json_is_a_400_and_writes_nothing(user_client, user, raw):
    response = user_client.generic("POST", ACTIVITIES, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    assert not user.activities.exists()


def test_error_messages_and_huge_numbers_render(user_client):
    response = user_client.post(
        f"{ACTIVITIES}heartbeat/",
        b'{"app_name": "Code", "timestamp": "2026-03-02T09:00:00Z", "pulsetime": 1'
        + b"0" * 40
        + b"}",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "pulsetime" in response.json()
    missing = user_client.post(ACTIVITIES, {}, format="json")
    assert missing.status_code == 400
    assert missing.json()["app_name"] == ["This field is required."]
