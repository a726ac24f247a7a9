"""An update is validated against the constraints it touches, also where the constraint's
other fields are left as they are: a clear 400, never a database error."""

from datetime import UTC, datetime, timedelta

import pytest

from activity.models import Activity, ClassificationRule, Integration, WorkSession
from activity.tests.factories import (
    ActivityFactory,
    ClassificationRuleFactory,
    IntegrationFactory,
    WorkSessionFactory,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_activity_end_before_its_stored_start(user, user_client):
    activity = ActivityFactory(user=user, start_time=T0, end_time=T0 + timedelta(minutes=5))
    response = user_client.patch(
        f"/api/v1/activities/{activity.pk}/",
        {"end_time": (T0 - timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["end_time must not be before start_time."]}
    assert Activity.objects.get(pk=activity.pk).end_time == T0 + timedelta(minutes=5)


def test_a_rule_left_without_a_matcher(user, user_client):
    rule = ClassificationRuleFactory(user=user, app_name="vim")
    response = user_client.patch(
        f"/api/v1/classification-rules/{rule.pk}/", {"app_name": ""}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert ClassificationRule.objects.get(pk=rule.pk).app_name == "vim"


def test_a_second_integration_for_a_provider(user, user_client):
    IntegrationFactory(user=user, provider="github")
    other = IntegrationFactory(user=user, provider="slack")
    response = user_client.patch(
        f"/api/v1/integrations/{other.pk}/", {"provider": "github"}, format="json"
    )
    assert response.status_code == 400
    assert Integration.objects.get(pk=other.pk).provider == "slack"


def test_a_second_running_timer(user, user_client):
    WorkSessionFactory(user=user, ended_at=None, duration=None)
    stopped = WorkSessionFactory(user=user)
    response = user_client.patch(
        f"/api/v1/work-sessions/{stopped.pk}/", {"ended_at": None}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["A work timer is already running."]}
    assert WorkSession.objects.get(pk=stopped.pk).ended_at is not None
