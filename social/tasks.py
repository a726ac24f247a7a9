"""Periodic jobs of the social app: plain functions, also exposed as management commands
(and callable from a Celery beat schedule where one runs)."""

from auditing.context import audit_context
from social import services


def cleanup_expired_invites() -> int:
    """Delete expired chat group invites; returns how many were removed."""
    with audit_context(source="task"):
        return services.cleanup_expired_invites()
