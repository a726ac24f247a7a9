from django.core.management.base import BaseCommand

from auditing import audit_context
from teams.tasks import recount_group_members


class Command(BaseCommand):
    help = "Recount every community group's member_count from its active memberships."

    def handle(self, *args, **options):
        with audit_context(user=None, source="cli"):
            lines = recount_group_members()
        for line in lines:
            self.stdout.write(f"drift fixed: {line}")
        self.stdout.write(self.style.SUCCESS(f"{len(lines)} groups had drifted."))
