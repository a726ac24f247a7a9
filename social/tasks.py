"""Periodic jobs of the social app: plain functions, also exposed as management commands.
The project's job runner supplies the audit context (see CELERY_BEAT_SCHEDULE in settings)."""

from social import services


def cleanup_expired_invites() -> int:
    """Delete expired chat group invites; returns how many were removed."""
    return services.cleanup_expired_invites()
