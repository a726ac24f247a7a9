"""The auditing endpoints: staff-only (or own rows), read-only for everyone."""

import pytest

from accounts.tests.factories import UserFactory
from auditing.models import AuditLog, SessionActivity, SessionAnalytics
from auditing.tests.factories import (
    SessionActivityFactory,
    SessionAnalyticsFactory,
    audit_row_for,
)
from tests.api_cases import APIResourceCases

pytestmark = pytest.mark.django_db


class TestAuditLogAPI(APIResourceCases):
    base_path = "/api/v1/audit-logs/"
    model = AuditLog
    actions = {"list", "retrieve"}
    owned = False
    staff = True

    def make_object(self, user):
        return audit_row_for(user, entity_type="tests.thing", entity_id="1")


class TestMyAuditLogAPI(APIResourceCases):
    base_path = "/api/v1/me/audit-logs/"
    model = AuditLog
    actions = {"list", "retrieve"}

    def make_object(self, user):
        return audit_row_for(user, entity_type="tests.thing", entity_id="1")


class TestSessionActivityAPI(APIResourceCases):
    base_path = "/api/v1/session-activities/"
    model = SessionActivity
    actions = {"list", "retrieve"}
    owned = False
    staff = True

    def make_object(self, user):
        return SessionActivityFactory(user=user)


class TestSessionAnalyticsAPI(APIResourceCases):
    base_path = "/api/v1/session-analytics/"
    model = SessionAnalytics
    actions = {"list", "retrieve"}
    owned = False
    staff = True

    def make_object(self, user):
        return SessionAnalyticsFactory(user=user)


STAFF_ONLY = ["/api/v1/audit-logs/", "/api/v1/session-activities/", "/api/v1/session-analytics/"]


@pytest.mark.parametrize("path", STAFF_ONLY)
def test_staff_only_lists_are_403_for_other_users(user_client, path):
    assert user_client.get(path).status_code == 403


@pytest.mark.parametrize("path", [*STAFF_ONLY, "/api/v1/me/audit-logs/"])
def test_no_writes_through_the_api_even_for_staff(staff_client, staff_user, path):
    row = audit_row_for(staff_user, entity_type="tests.thing", entity_id="1")
    assert staff_client.post(path, {"action": "create"}).status_code == 405
    assert staff_client.patch(f"{path}{row.pk}/", {"action": "x"}).status_code in {404, 405}
    assert staff_client.delete(f"{path}{row.pk}/").status_code in {404, 405}
    row_after = AuditLog.objects.get(pk=row.pk)
    assert row_after.action == row.action


def test_audit_log_filters(staff_client, user, other_user):
    mine = audit_row_for(user, entity_type="teams.team", entity_id="t1", action="update")
    audit_row_for(other_user, entity_type="teams.team", entity_id="t2", action="delete")
    response = staff_client.get(
        "/api/v1/audit-logs/",
        {"entity_type": "teams.team", "entity_id": "t1", "user": str(user.pk)},
    )
    assert [row["id"] for row in response.json()["results"]] == [str(mine.pk)]
    response = staff_client.get(
        "/api/v1/audit-logs/", {"action": "delete", "created_after": "2000-01-01T00:00:00Z"}
    )
    assert [row["entity_id"] for row in response.json()["results"]] == ["t2"]
    assert staff_client.get("/api/v1/audit-logs/", {"created_after": "junk"}).status_code == 400


def test_my_audit_logs_are_only_mine(user_client, user):
    other = UserFactory()
    audit_row_for(other, entity_type="x.y", entity_id="1")
    own = audit_row_for(user, entity_type="x.y", entity_id="2")
    ids = {row["id"] for row in user_client.get("/api/v1/me/audit-logs/").json()["results"]}
    assert str(own.pk) in ids
    assert all(AuditLog.objects.get(pk=pk).user_id == user.pk for pk in ids)
