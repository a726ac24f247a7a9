"""State changes of runtime configuration; the API and the admin both call these."""

from typing import Any

from django.db import transaction

from config.models import AppSetting
from core.updates import update_fields

EDITABLE_FIELDS = ("setting_key", "setting_value", "description", "category", "is_public")


@transaction.atomic
def app_setting_create(**fields: Any) -> AppSetting:
    """Create a setting; the key must be new."""
    setting = AppSetting(**{name: fields[name] for name in EDITABLE_FIELDS if name in fields})
    setting.full_clean()
    setting.save()
    return setting


@transaction.atomic
def app_setting_update(*, setting: AppSetting, data: dict[str, Any]) -> AppSetting:
    """Change a setting; saving the same values writes nothing."""
    update_fields(setting, {name: data[name] for name in EDITABLE_FIELDS if name in data})
    return setting


@transaction.atomic
def app_setting_delete(*, setting: AppSetting) -> None:
    """Remove a setting."""
    setting.delete()
