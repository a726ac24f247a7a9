"""A client's X-Request-ID is kept beside the server's own request id, never instead of it.

When the client's value was taken as the request id, two requests sending the same header
shared one id in the audit trail and the request log, and a client could make its requests
look like someone else's.
"""

import pytest
from rest_framework.test import APIClient

from accounts import services as account_services
from auditing.models import AuditLog, SessionActivity

pytestmark = pytest.mark.django_db

CLIENT_ID = "tracker-7f3a.retry:1"


@pytest.fixture
def key_client(user):
    _, key = account_services.api_key_create(user=user, key_name="tracker")
    return APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _updates_of(user, *, after: set):
    rows = AuditLog.objects.filter(entity_id=str(user.pk), action="update").exclude(pk__in=after)
    return list(rows.order_by("id"))


def _update_bio(client, bio: str, **headers):
    response = client.patch("/api/v1/me/", {"bio": bio}, **headers)
    assert response.status_code == 200, response.content
    return response


def test_two_requests_with_the_same_client_id_get_their_own_request_ids(key_client, user):
    before = set(AuditLog.objects.values_list("pk", flat=True))
    first = _update_bio(key_client, "one", HTTP_X_REQUEST_ID=CLIENT_ID)
    second = _update_bio(key_client, "two", HTTP_X_REQUEST_ID=CLIENT_ID)

    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert ids[0] != ids[1] and CLIENT_ID not in ids

    audit = _updates_of(user, after=before)
    assert [(row.request_id, row.client_request_id) for row in audit] == [
        (ids[0], CLIENT_ID),
        (ids[1], CLIENT_ID),
    ]
    log = SessionActivity.objects.filter(user=user).order_by("created_at", "id")
    assert [(row.request_id, row.client_request_id) for row in log] == [
        (ids[0], CLIENT_ID),
        (ids[1], CLIENT_ID),
    ]


def test_without_the_header_the_request_still_has_its_own_id(key_client, user):
    response = _update_bio(key_client, "plain")
    row = SessionActivity.objects.get(user=user)
    assert row.request_id == response.headers["X-Request-ID"] and len(row.request_id) == 32
    assert row.client_request_id == ""


@pytest.mark.parametrize(
    "value",
    ["two words", "line\r\nbreak", '"quoted"', "x" * 101, "café"],
    ids=["space", "crlf", "quotes", "too-long", "non-ascii"],
)
def test_an_unsafe_client_id_is_dropped_not_stored(key_client, user, value):
    """Spaces, quotes and line breaks could forge log lines; the id is not stored at all."""
    before = set(AuditLog.objects.values_list("pk", flat=True))
    response = _update_bio(key_client, "odd", HTTP_X_REQUEST_ID=value)
    [row] = _updates_of(user, after=before)
    assert row.client_request_id == "" and row.request_id == response.headers["X-Request-ID"]


def test_the_audit_api_shows_both_ids(key_client, user, staff_client):
    response = _update_bio(key_client, "shown", HTTP_X_REQUEST_ID=CLIENT_ID)
    server_id = response.headers["X-Request-ID"]

    audit = staff_client.get("/api/v1/audit-logs/", {"request_id": server_id}).json()
    assert [(r["request_id"], r["client_request_id"]) for r in audit["results"]] == [
        (server_id, CLIENT_ID)
    ]
    log = staff_client.get("/api/v1/session-activities/", {"user": str(user.pk)}).json()
    mine = [r for r in log["results"] if r["user"] == str(user.pk)]
    assert [(r["request_id"], r["client_request_id"]) for r in mine] == [(server_id, CLIENT_ID)]
