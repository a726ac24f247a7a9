from django.core.management.base import BaseCommand, CommandError

from auditing.context import Source, audit_context
from auditing.tasks import session_activities_prune


class Command(BaseCommand):
    help = "Delete session activities (the request log) older than --days; one audit row."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True, help="keep this many days")

    def handle(self, *args, days: int, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        with audit_context(source=Source.CLI):
            deleted = session_activities_prune(days=days)
        self.stdout.write(f"Deleted {deleted} session activities older than {days} days.")
