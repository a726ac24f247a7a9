from django.core.management.base import BaseCommand

from auditing import audit_context
from social import services


class Command(BaseCommand):
    help = "Delete chat group invites that have expired."

    def handle(self, *args, **options):
        with audit_context(source="cli"):
            removed = services.cleanup_expired_invites()
        self.stdout.write(f"Removed {removed} expired chat group invite(s).")
