from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor every app stands on. No models; installed so that its Celery task
    (core.mail) is registered in workers."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import mail  # noqa: F401 registers the mail task
