"""The audit trail. Domain apps never import this package, except `record_bulk` for
batches that bypass model signals (bulk_create, QuerySet.update/delete)."""


def record_bulk(**kwargs):
    from auditing.services import record_bulk as _record_bulk

    return _record_bulk(**kwargs)
