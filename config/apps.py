from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package doubles as a small app that owns runtime configuration."""

    name = "config"
    verbose_name = "Configuration"

    def ready(self):
        # Reliability (issue 9): JSON `null` into a NOT NULL JSON column is a 400, not a 500.
        from django.db import models
        from rest_framework.serializers import ModelSerializer

        from config.reliability import StrictJSONField

        ModelSerializer.serializer_field_mapping[models.JSONField] = StrictJSONField
