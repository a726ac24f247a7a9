"""The filter backend: filters apply when asked for, and a list that asks for none is
served without building a filter set."""

from unittest import mock

import pytest
from django_filters import FilterSet

from activity.tests.factories import ActivityFactory
from core.filters import FilterBackend

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/v1/activities/"


def test_a_list_without_filter_parameters_builds_no_filter_set(user, user_client):
    ActivityFactory.create_batch(2, user=user)
    with mock.patch.object(FilterSet, "__init__", side_effect=AssertionError) as built:
        response = user_client.get(ACTIVITIES, {"page_size": 1, "search": ""})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    built.assert_not_called()


def test_filters_still_apply_and_refuse_bad_values(user, user_client):
    ActivityFactory(user=user, app_name="Code", is_productive=True)
    ActivityFactory(user=user, app_name="Slack", is_productive=False)
    names = [
        a["app_name"] for a in user_client.get(ACTIVITIES, {"app_name": "Code"}).json()["results"]
    ]
    assert names == ["Code"]
    productive = user_client.get(ACTIVITIES, {"is_productive": "false"}).json()["results"]
    assert [a["app_name"] for a in productive] == ["Slack"]
    refused = user_client.get(ACTIVITIES, {"is_productive": "maybe"})
    assert refused.status_code == 400
    assert "is_productive" in refused.json()


def test_filter_sets_made_from_filterset_fields_are_made_once(user_client):
    FilterBackend._made.clear()
    for _ in range(3):
        assert user_client.get("/api/v1/me/api-keys/", {"is_active": "true"}).status_code == 200
    assert len(FilterBackend._made) == 1
