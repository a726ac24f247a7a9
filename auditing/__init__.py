"""The audit trail. Domain apps use nothing of this package but its three public names:
`record_bulk` for batches that bypass model signals (bulk_create, QuerySet.update/delete),
`record_event` for named domain events (login, password_reset, invite_accepted, ...), and
`audit_context` for commands and jobs to say who acts (tests/test_architecture.py).

The two functions are imported from `auditing.services` when first called: the package
itself is imported before the app registry is ready, and the services need the models."""

from typing import TYPE_CHECKING

from auditing.context import audit_context

if TYPE_CHECKING:
    from auditing.services import record_bulk, record_event
else:

    def record_bulk(**kwargs):
        from auditing.services import record_bulk as _record_bulk

        return _record_bulk(**kwargs)

    def record_event(**kwargs):
        from auditing.services import record_event as _record_event

        return _record_event(**kwargs)


__all__ = ["audit_context", "record_bulk", "record_event"]
