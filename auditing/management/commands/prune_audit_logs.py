from django.core.management.base import BaseCommand, CommandError

from auditing.context import Source, audit_context
from auditing.tasks import audit_logs_prune


class Command(BaseCommand):
    help = (
        "Delete audit rows older than --days (retention). The only way audit rows are ever "
        "deleted: on PostgreSQL the immutability trigger is opened for this command's own "
        "transaction only, and an `audit_prune` row records what was removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True, help="keep this many days")

    def handle(self, *args, days: int, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        with audit_context(source=Source.CLI):
            deleted = audit_logs_prune(days=days)
        self.stdout.write(f"Deleted {deleted} audit rows older than {days} days.")
