from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.models import AppSetting
from core.updates import update_fields


@pytest.fixture
def setting(db):
    return AppSetting.objects.create(setting_key="site.banner", setting_value={"on": True})


def test_unchanged_values_write_nothing(setting):
    with CaptureQueriesContext(connection) as queries:
        saved = update_fields(setting, {"setting_key": "site.banner", "is_public": False})
    assert saved == []
    assert len(queries) == 0


def test_only_changed_fields_are_validated_and_saved(setting):
    AppSetting.objects.filter(pk=setting.pk).update(description="changed elsewhere")
    saved = update_fields(setting, {"is_public": True, "category": "ui"})
    assert saved == ["is_public", "category", "updated_at"]
    setting.refresh_from_db()
    assert (setting.is_public, setting.category) == (True, "ui")
    assert setting.description == "changed elsewhere"  # not overwritten


def test_an_invalid_value_is_refused_and_nothing_saved(setting):
    with pytest.raises(ValidationError) as error:
        update_fields(setting, {"setting_key": "Not Valid!"})
    assert "setting_key" in error.value.message_dict
    assert AppSetting.objects.get(pk=setting.pk).setting_key == "site.banner"


def test_unique_checks_involve_the_changed_field(setting):
    AppSetting.objects.create(setting_key="taken")
    with pytest.raises(ValidationError) as error:
        update_fields(setting, {"setting_key": "taken"})
    assert "setting_key" in error.value.message_dict


def test_derived_fields_are_saved_with_the_change(setting):
    setting.description = "set by the service"
    saved = update_fields(setting, {"category": "ops"}, also=["description"])
    assert saved == ["category", "description", "updated_at"]
    assert AppSetting.objects.get(pk=setting.pk).description == "set by the service"


def test_a_constraint_reading_a_changed_field_is_checked_whole(db):
    from activity.models import Activity
    from activity.tests.factories import ActivityFactory

    activity = ActivityFactory()
    too_early = activity.start_time - timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        update_fields(activity, {"end_time": too_early})
    assert "end_time must not be before start_time." in str(error.value)
    assert Activity.objects.get(pk=activity.pk).end_time != too_early
