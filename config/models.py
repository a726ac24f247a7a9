import uuid

from django.core.validators import RegexValidator
from django.db import models


class AppSetting(models.Model):
    """A runtime setting staff change without a deploy (Idling.app `app_settings`).

    Public settings (`is_public`) are readable by anyone, including anonymous clients
    (feature flags, announcement text); the rest only by staff.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    setting_key = models.CharField(
        max_length=100,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9][a-z0-9_.-]*$",
                "Use lowercase letters, digits, dots, dashes and underscores.",
            )
        ],
    )
    setting_value = models.JSONField(default=dict, blank=True)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=50, blank=True, db_index=True)
    is_public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "app_settings"
        ordering = ["category", "setting_key"]

    def __str__(self):
        return self.setting_key
