"""Side effects that must follow every path (API, admin, shell): rule cache invalidation and
screenshot file cleanup."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from activity.classification import rules_changed
from activity.models import ClassificationRule, Screenshot


@receiver([post_save, post_delete], sender=ClassificationRule)
def _invalidate_rules(sender, instance, **kwargs):
    user_id = instance.user_id
    # Now, so this transaction sees its own change, and again after commit, so a worker that
    # recompiled from the old rows meanwhile drops that copy.
    rules_changed(user_id=user_id)
    transaction.on_commit(lambda: rules_changed(user_id=user_id))


@receiver(post_delete, sender=Screenshot)
def _delete_screenshot_files(sender, instance, **kwargs):
    files = [f for f in (instance.file_path, instance.thumbnail_url) if f and f.name]

    def delete_files():
        for field_file in files:
            field_file.storage.delete(field_file.name)

    transaction.on_commit(delete_files)
