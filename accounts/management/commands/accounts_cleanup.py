from django.core.management.base import BaseCommand

from accounts import tasks


class Command(BaseCommand):
    help = "Close expired tracked sessions and delete long-expired password reset tokens."

    def handle(self, *args, **options):
        sessions = tasks.expire_sessions()
        tokens = tasks.purge_password_reset_tokens()
        self.stdout.write(
            f"Closed {sessions} expired session(s); deleted {tokens} old reset token(s)."
        )
