"""State changes of runtime configuration; the API and the admin both call these."""

from typing import Any

from django.db import transaction

from config.models import AppSetting

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
    changed = [n for n in EDITABLE_FIELDS if n in data and getattr(setting, n) != data[n]]
    if not changed:
        return setting
    for name in changed:
        setattr(setting, name, data[name])
    setting.full_clean()
    setting.save(update_fields=[*changed, "updated_at"])
    return setting


@transaction.atomic
def app_setting_delete(*, setting: AppSetting) -> None:
    """Remove a setting."""
    setting.delete()
