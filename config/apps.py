from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package doubles as a small app that owns runtime configuration
    (AppSetting)."""

    name = "config"
    verbose_name = "Configuration"
