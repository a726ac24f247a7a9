from django.core.management.base import BaseCommand

from activity.tasks import purge_expired_activity


class Command(BaseCommand):
    help = "Delete activities, user activities and screenshots past each user's retention."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, batch_size: int = 5000, **options):
        totals = purge_expired_activity(batch_size=max(1, batch_size))
        for name, count in totals.items():
            self.stdout.write(f"{name}: {count} deleted")
