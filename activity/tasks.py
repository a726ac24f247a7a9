"""Periodic jobs as plain functions; `manage.py purge_activity` runs them from cron or by hand."""

from activity import services
from auditing import audit_context


def purge_expired_activity(*, batch_size: int = 5000) -> dict[str, int]:
    """Retention: drop tracking data older than each user's `data_retention_days`."""
    with audit_context(user=None, source="task"):
        return services.purge_expired(batch_size=batch_size)
