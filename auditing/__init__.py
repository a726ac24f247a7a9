"""The audit trail. Domain apps never import this package except these two functions:
`record_bulk` for batches that bypass model signals (bulk_create, QuerySet.update/delete)
and `record_event` for named domain events (login, password_reset, invite_accepted, ...)."""


def record_bulk(**kwargs):
    from auditing.services import record_bulk as _record_bulk

    return _record_bulk(**kwargs)


def record_event(**kwargs):
    from auditing.services import record_event as _record_event

    return _record_event(**kwargs)
