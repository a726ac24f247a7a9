"""accounts' own receivers: side effects of a user coming into existence."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User, UserSettings


@receiver(post_save, sender=User, dispatch_uid="accounts.create_user_settings")
def create_user_settings(sender, instance: User, created: bool, raw: bool = False, **kwargs):
    # Every path that creates a user (signup, OAuth, admin, createsuperuser) gets settings.
    if created and not raw:
        UserSettings.objects.get_or_create(user=instance)
