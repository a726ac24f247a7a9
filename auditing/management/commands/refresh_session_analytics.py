from django.core.management.base import BaseCommand

from auditing.context import Source, audit_context
from auditing.tasks import session_analytics_refresh


class Command(BaseCommand):
    help = "Fold recent session activities into session analytics (counters, security score)."

    def handle(self, *args, **options):
        with audit_context(source=Source.TASK):
            folded = session_analytics_refresh()
        self.stdout.write(f"Folded {folded} session activities.")
