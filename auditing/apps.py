from django.apps import AppConfig


class AuditingConfig(AppConfig):
    name = "auditing"
    verbose_name = "Auditing"

    def ready(self):
        from auditing import admin_history, analytics, signals

        # Every model is in the registry by now, including those of apps listed after us.
        signals.connect_all()
        analytics.connect()
        admin_history.link_all()
