from django.core.management.base import BaseCommand

from auditing import audit_context, record_bulk
from social.emoji_catalogue import catalogue, load
from social.models import Emoji, EmojiCategory


class Command(BaseCommand):
    help = "Add any standard Unicode emoji missing from the catalogue (after a data upgrade)."

    def handle(self, *args, **options):
        with audit_context(source="cli"):
            added = load(category_model=EmojiCategory, emoji_model=Emoji)
            if added:
                record_bulk(model=Emoji, action="create", count=added)
        self.stdout.write(
            f"Added {added} emoji; the package has {len(catalogue().emojis)} "
            f"(Unicode emoji {catalogue().version})."
        )
