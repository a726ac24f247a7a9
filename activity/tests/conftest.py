import importlib

import pytest
from django.apps import apps

from activity.models import ClassificationRule


@pytest.fixture
def global_rules(db):
    """The global rules the data migration loads; a reused test database that a
    transactional test flushed has lost them, so they are loaded again when missing."""
    if not ClassificationRule.objects.filter(user__isnull=True).exists():
        migration = importlib.import_module("activity.migrations.0002_global_classification_rules")
        migration.load(apps, None)
    return ClassificationRule.objects.filter(user__isnull=True)
