import pytest

import auditing
from accounts.models import User
from auditing import record_event
from auditing.context import Source, audit_context
from auditing.models import AuditLog

pytestmark = pytest.mark.django_db


def test_record_bulk_writes_one_summary_row_with_the_context(user):
    with audit_context(user=user, source=Source.CLI, ip_address="10.0.0.5"):
        row = auditing.record_bulk(model=User, action="create", ids=range(250))
    assert AuditLog.objects.filter(action__startswith="bulk_").count() == 1
    assert row.action == "bulk_create"
    assert row.entity_type == "accounts.user"
    assert row.metadata["count"] == 250
    assert len(row.metadata["ids"]) == 100
    assert (row.user_id, row.actor_label, row.source, row.ip_address) == (
        user.pk,
        user.username,
        "cli",
        "10.0.0.5",
    )


def test_without_context_the_actor_is_null_and_source_system(user):
    row = record_event(action="password_reset", instance=user)
    assert row.user_id is None and row.source == "system"
    assert (row.entity_type, row.entity_id) == ("accounts.user", str(user.pk))


def test_context_is_restored_after_the_block(user):
    with audit_context(user=user):
        pass
    assert record_event(action="noop", entity_type="x").user_id is None
